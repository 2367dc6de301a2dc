package dev.officehours.bounds;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Guards the heap-bounds execution itself: its tests must run in a JVM with a small heap. */
@Tag("heap-bound")
class ForkedSmallHeapTest {
  @Test
  void runsInAForkedJvmWithAtMost96MbOfHeap() {
    long max = Runtime.getRuntime().maxMemory();
    assertTrue(max <= 100L * 1024 * 1024, "max heap is " + max + " bytes; the bounds prove nothing");
  }
}
