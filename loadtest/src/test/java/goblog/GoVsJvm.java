package goblog;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.*;
import io.gatling.javaapi.http.*;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The same constant request rate, at the same time, on two trivial JSON endpoints: the Go
 * imageservice ({@code GET /accounts/{id}}) and the Spring Boot quotes-service ({@code GET
 * /api/quote?strength=0}), and, when it is deployed, the same quotes-service run with tuned JVM
 * settings ({@code quotes-service-tuned}: Serial GC, a small heap, C1 only, class-data sharing;
 * deploy/jvm-tuned.Dockerfile). An open model: new requests arrive at the rate whatever the
 * answers' latency, so a slow service cannot lower its own load.
 *
 * <p>Neither port is published, so this runs inside the stack's overlay network (run.sh starts it
 * in a container attached to it). System properties:
 *
 * <ul>
 *   <li>{@code rate} (200): requests per second on each service;
 *   <li>{@code duration} (60): seconds of the whole run, the ramp included;
 *   <li>{@code ramp} (10): seconds over which the rate climbs from 1/s to {@code rate};
 *   <li>{@code imageUrl} ({@code http://imageservice:7777}), {@code quotesUrl} ({@code
 *       http://quotes-service:8080}), {@code tunedUrl} ({@code
 *       http://quotes-service-tuned:8080}; empty: no tuned scenario);
 *   <li>{@code assert} (true): any failed request fails the run;
 *   <li>{@code marks}: a file to append the start and end times to (see Marks).
 * </ul>
 */
public class GoVsJvm extends Simulation {

  private final double rate = Double.parseDouble(System.getProperty("rate", "200"));
  private final Duration duration = Duration.ofSeconds(Long.getLong("duration", 60L));
  private final Duration ramp = Duration.ofSeconds(Long.getLong("ramp", 10L));
  private final String imageUrl = System.getProperty("imageUrl", "http://imageservice:7777");
  private final String quotesUrl = System.getProperty("quotesUrl", "http://quotes-service:8080");
  private final String tunedUrl =
      System.getProperty("tunedUrl", "http://quotes-service-tuned:8080");
  private final boolean assertNoFailure =
      Boolean.parseBoolean(System.getProperty("assert", "true"));

  /**
   * One keep-alive pool for all users of a scenario, as a service's own HTTP client would have,
   * instead of a new connection per request (which would measure TCP set-up, not the service).
   */
  private HttpProtocolBuilder protocol(String baseUrl) {
    return AccessToken.authorize(
        http.baseUrl(baseUrl)
            .acceptHeader("application/json")
            .userAgentHeader("goblog-gatling")
            .shareConnections());
  }

  private final ScenarioBuilder go =
      scenario("Go imageservice")
          .feed(Feeders.accountIds())
          .exec(
              http("imageservice GET /accounts/{id}")
                  .get("/accounts/#{id}")
                  .check(status().is(200), jsonPath("$.url").exists()));

  private final ScenarioBuilder jvm = quotes("JVM quotes-service", "quotes-service");

  private final ScenarioBuilder tuned =
      quotes("JVM quotes-service-tuned", "quotes-service-tuned");

  /** The quote request, named after the service it goes to (the report matches on that name). */
  private static ScenarioBuilder quotes(String scenario, String service) {
    return scenario(scenario)
        .exec(
            http(service + " GET /api/quote")
                .get("/api/quote?strength=0")
                .check(status().is(200), jsonPath("$.quote").exists()));
  }

  private OpenInjectionStep[] profile() {
    Duration steady = duration.minus(ramp);
    if (steady.isNegative()) {
      throw new IllegalArgumentException("ramp " + ramp + " is longer than duration " + duration);
    }
    return new OpenInjectionStep[] {
      rampUsersPerSec(1).to(rate).during(ramp), constantUsersPerSec(rate).during(steady)
    };
  }

  @Override
  public void before() {
    Marks.write("start");
  }

  @Override
  public void after() {
    Marks.write("end");
  }

  {
    List<PopulationBuilder> populations = new ArrayList<>();
    populations.add(go.injectOpen(profile()).protocols(protocol(imageUrl)));
    populations.add(jvm.injectOpen(profile()).protocols(protocol(quotesUrl)));
    if (!tunedUrl.isEmpty()) {
      populations.add(tuned.injectOpen(profile()).protocols(protocol(tunedUrl)));
    }
    SetUp setUp = setUp(populations).maxDuration(duration.plusSeconds(10));
    if (assertNoFailure) {
      setUp.assertions(global().failedRequests().count().is(0L));
    }
  }
}
