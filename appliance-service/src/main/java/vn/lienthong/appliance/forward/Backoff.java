package vn.lienthong.appliance.forward;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, initial × 2^(n-1)), so that peers coming back after an outage are not hit by every
 * sender at the same instant.
 */
public record Backoff(Duration initial, Duration max) {

    public Duration delay(int attempt, RandomGenerator random) {
        long ceiling = max.toMillis();
        long base = initial.toMillis();
        int doublings = Math.min(Math.max(attempt - 1, 0), 40);
        long exponential = base > ceiling >> doublings ? ceiling : Math.min(ceiling, base << doublings);
        long half = exponential / 2;
        return Duration.ofMillis(half + (half > 0 ? random.nextLong(half + 1) : 0));
    }
}
