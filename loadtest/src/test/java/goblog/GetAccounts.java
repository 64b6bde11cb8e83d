package goblog;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.*;
import io.gatling.javaapi.http.*;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual users loop {@code GET {baseUrl}/accounts/{id}} over the seed accounts 10000-10029 with a
 * 1 s pause after each answer, so the request rate is about the number of users (a little less
 * once answers get slow: this is a closed model).
 *
 * <p>An answer is 200 with the right id even when accountservice served a circuit breaker's
 * fallback quote or image instead of calling quotes-service or imageservice. Those answers are not
 * failures, but they show the landscape shedding load: the simulation counts them and writes the
 * counts to the marks file ({@code answers}, {@code fallback_quote}, {@code fallback_image}).
 *
 * <p>With {@code postPercent} above 0 the load is write-heavy: that many requests out of every 100
 * (taken in turn by all users together and spread evenly, so the share is exact) are {@code POST
 * {baseUrl}/accounts} with a new name instead of a read, checked for 201 and an id. Each creates an account in the
 * store (a committed, WAL-flushed INSERT with PostgreSQL), so the database's share of the load
 * becomes visible.
 *
 * <p>System properties:
 *
 * <ul>
 *   <li>{@code users} (100): virtual users at full load;
 *   <li>{@code postPercent} (0): POSTs out of every 100 requests, 0-100;
 *   <li>{@code duration} (60): seconds of the whole run, the ramp included;
 *   <li>{@code ramp} (15): seconds over which the users start, evenly;
 *   <li>{@code baseUrl} ({@code https://localhost:8765/api}, the edge);
 *   <li>{@code tokenFile}: a file holding an OAuth 2.0 access token, sent as {@code
 *       Authorization: Bearer} on every request (loadtest/run.sh fetches one); none: no header;
 *   <li>{@code assert} (true): any failed request (not 200, wrong id, error, timeout) fails the
 *       run;
 *   <li>{@code marks}: a file to append the start and end times to (see Marks).
 * </ul>
 */
public class GetAccounts extends Simulation {

  private final int users = Integer.getInteger("users", 100);
  private final Duration duration = Duration.ofSeconds(Long.getLong("duration", 60L));
  private final Duration ramp = Duration.ofSeconds(Long.getLong("ramp", 15L));
  private final String baseUrl = System.getProperty("baseUrl", "https://localhost:8765/api");
  private final boolean assertNoFailure =
      Boolean.parseBoolean(System.getProperty("assert", "true"));
  private final int postPercent = Integer.getInteger("postPercent", 0);

  /** Every user stops at the same moment: the run lasts `duration`, however late a user began. */
  private final Deadline deadline = new Deadline(duration);

  /** Every request of the run, in the order the users take their turns: which ones are POSTs. */
  private final AtomicLong turns = new AtomicLong();

  private final long runStamp = System.currentTimeMillis();
  private final AtomicLong posts = new AtomicLong();

  private final AtomicLong answers = new AtomicLong();
  private final AtomicLong fallbackQuotes = new AtomicLong();
  private final AtomicLong fallbackImages = new AtomicLong();

  private final HttpProtocolBuilder protocol =
      AccessToken.authorize(
          http.baseUrl(baseUrl).acceptHeader("application/json").userAgentHeader("goblog-gatling"));

  private final ScenarioBuilder scenario =
      scenario("GetAccounts")
          .asLongAs(session -> deadline.notPassed())
          .on(
              doIfOrElse(session -> isPost(turns.getAndIncrement()))
                  .then(
                      exec(
                          http("POST /accounts")
                              .post("/accounts")
                              .body(StringBody(session -> newAccountJson()))
                              .asJson()
                              .check(status().is(201), jsonPath("$.id").exists())))
                  .orElse(
                      feed(Feeders.accountIds())
                          .exec(
                              http("GET /accounts/{id}")
                                  .get("/accounts/#{id}")
                                  .check(
                                      status().is(200),
                                      jsonPath("$.id").isEL("#{id}"),
                                      jsonPath("$.quote.ipAddress").optional().saveAs("quoteFrom"),
                                      jsonPath("$.imageData.servedBy")
                                          .optional()
                                          .saveAs("imageFrom")))
                          .exec(this::countFallbacks))
                  .pause(Duration.ofSeconds(1)));

  /**
   * Whether turn n (0, 1, ...) is a POST: postPercent of every 100 turns, spread evenly (with 20,
   * every fifth), so any stretch of the run has the share, not only whole hundreds.
   */
  private boolean isPost(long n) {
    return (n + 1) * postPercent / 100 > n * postPercent / 100;
  }

  /** The body of a POST: a name no other run or user has, Gatling_<start millis>_<n>. */
  private String newAccountJson() {
    return "{\"name\":\"Gatling_" + runStamp + "_" + posts.incrementAndGet() + "\"}";
  }

  /** The fallbacks of accountservice's circuits (see the landscape's request flow). */
  private Session countFallbacks(Session session) {
    if (session.contains("quoteFrom")) {
      answers.incrementAndGet();
      if ("circuit-breaker".equals(session.getString("quoteFrom"))) {
        fallbackQuotes.incrementAndGet();
      }
      if ("fallback".equals(session.getString("imageFrom"))) {
        fallbackImages.incrementAndGet();
      }
    }
    return session.remove("quoteFrom").remove("imageFrom");
  }

  @Override
  public void before() {
    deadline.start();
    Marks.write("start");
  }

  @Override
  public void after() {
    Marks.write("end");
    Marks.write("answers", answers.get());
    Marks.write("fallback_quote", fallbackQuotes.get());
    Marks.write("fallback_image", fallbackImages.get());
    if (postPercent > 0) {
      Marks.write("posts", posts.get());
    }
  }

  {
    if (postPercent < 0 || postPercent > 100) {
      throw new IllegalArgumentException("postPercent " + postPercent + " is not within 0-100");
    }
    if (ramp.compareTo(duration) > 0) {
      throw new IllegalArgumentException("ramp " + ramp + " is longer than duration " + duration);
    }
    SetUp setUp =
        setUp(scenario.injectOpen(rampUsers(users).during(ramp)))
            .protocols(protocol)
            // A hung request must not keep the run alive: 10 s is past every check timeout.
            .maxDuration(duration.plusSeconds(10));
    if (assertNoFailure) {
      setUp.assertions(global().failedRequests().count().is(0L));
    }
  }
}
