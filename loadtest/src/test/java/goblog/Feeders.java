package goblog;

import static io.gatling.javaapi.core.CoreDsl.listFeeder;

import io.gatling.javaapi.core.FeederBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Feeders shared by the simulations. */
final class Feeders {
  /** The first seed account; the seed data holds 10000-10099. */
  static final int FIRST_ACCOUNT = 10000;
  /** How many accounts the simulations loop over: 10000-10029. */
  static final int ACCOUNTS = 30;

  private Feeders() {}

  /** `id` = 10000, 10001, ... 10029, 10000, ... shared by every user, in order. */
  static FeederBuilder<Object> accountIds() {
    List<Map<String, Object>> ids =
        IntStream.range(FIRST_ACCOUNT, FIRST_ACCOUNT + ACCOUNTS)
            .mapToObj(id -> Map.<String, Object>of("id", String.valueOf(id)))
            .toList();
    return listFeeder(ids).circular();
  }
}
