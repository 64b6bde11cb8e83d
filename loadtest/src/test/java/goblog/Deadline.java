package goblog;

import java.time.Duration;

/** The end of a run, fixed when the simulation starts (Simulation.before). */
final class Deadline {
  private final long lengthNanos;
  private volatile long endNanos = Long.MAX_VALUE;

  Deadline(Duration length) {
    this.lengthNanos = length.toNanos();
  }

  void start() {
    endNanos = System.nanoTime() + lengthNanos;
  }

  boolean notPassed() {
    return System.nanoTime() - endNanos < 0;
  }
}
