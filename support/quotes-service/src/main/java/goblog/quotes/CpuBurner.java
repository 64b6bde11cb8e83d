package goblog.quotes;

import org.springframework.stereotype.Component;

/**
 * Burns CPU in proportion to a request's strength, so callers can make the
 * service slow on purpose (the blog's {@code ?strength=N}).
 *
 * <p>The work is strength x {@link #ITERATIONS_PER_STRENGTH} terms of the
 * Leibniz series for pi: pure arithmetic, no allocation, so the cost grows
 * linearly with strength. The iteration count was tuned on the 2-core build
 * machine (JIT-warmed, JDK 17) so that strength 4 takes about 10 ms; see
 * support/README.md for the measured figures.
 */
@Component
public class CpuBurner {

    /** Lowest strength accepted by the API. */
    public static final int MIN_STRENGTH = 0;
    /** Highest strength accepted by the API. */
    public static final int MAX_STRENGTH = 20;

    static final long ITERATIONS_PER_STRENGTH = 1_700_000L;

    /**
     * Runs the work for the given strength and returns its result (an
     * approximation of pi, or 0 for strength 0), so the JIT cannot drop the loop.
     */
    public double burn(int strength) {
        if (strength < MIN_STRENGTH || strength > MAX_STRENGTH) {
            throw new IllegalArgumentException("strength out of range: " + strength);
        }
        long iterations = strength * ITERATIONS_PER_STRENGTH;
        double sum = 0;
        double sign = 1;
        for (long i = 0; i < iterations; i++) {
            sum += sign / (2 * i + 1);
            sign = -sign;
        }
        return 4 * sum;
    }
}
