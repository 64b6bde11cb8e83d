package goblog;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.*;
import io.gatling.javaapi.http.*;
import java.time.Duration;

/**
 * The same constant request rate, at the same time, on two trivial JSON endpoints: the Go
 * imageservice ({@code GET /accounts/{id}}) and the Spring Boot quotes-service ({@code GET
 * /api/quote?strength=0}). An open model: new requests arrive at the rate whatever the answers'
 * latency, so a slow service cannot lower its own load.
 *
 * <p>Neither port is published, so this runs inside the stack's overlay network (run.sh starts it
 * in a container attached to it). System properties:
 *
 * <ul>
 *   <li>{@code rate} (200): requests per second on each service;
 *   <li>{@code duration} (60): seconds of the whole run, the ramp included;
 *   <li>{@code ramp} (10): seconds over which the rate climbs from 1/s to {@code rate};
 *   <li>{@code imageUrl} ({@code http://imageservice:7777}), {@code quotesUrl} ({@code
 *       http://quotes-service:8080});
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

  private final ScenarioBuilder jvm =
      scenario("JVM quotes-service")
          .exec(
              http("quotes-service GET /api/quote")
                  .get("/api/quote?strength=0")
                  .check(status().is(200), jsonPath("$.quote").exists()));

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
    SetUp setUp =
        setUp(
                go.injectOpen(profile()).protocols(protocol(imageUrl)),
                jvm.injectOpen(profile()).protocols(protocol(quotesUrl)))
            .maxDuration(duration.plusSeconds(10));
    if (assertNoFailure) {
      setUp.assertions(global().failedRequests().count().is(0L));
    }
  }
}
