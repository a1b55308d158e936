package dev.sovra.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void bucketsCoverTheirValuesWithinTwoTenthsOfAPercent() {
        for (long value : new long[] {0, 1, 1023, 1024, 1025, 999_999, 1_000_000, 123_456_789, Long.MAX_VALUE / 2}) {
            long upper = LatencyHistogram.upperBound(LatencyHistogram.index(value));
            assertTrue(upper >= value && upper - value <= Math.max(1, value / 500), value + " -> " + upper);
        }
    }

    @Test
    void percentilesOfAUniformRange() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 1000; micros++) {
            histogram.record(micros * 1000);
        }
        assertEquals(1000, histogram.count());
        assertEquals(500_000, histogram.percentile(50), 500_000 / 500.0);
        assertEquals(990_000, histogram.percentile(99), 990_000 / 500.0);
    }
}
