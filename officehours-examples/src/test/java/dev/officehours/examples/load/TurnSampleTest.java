package dev.officehours.examples.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TurnSampleTest {
  private static final long MS = 1_000_000;

  private static TurnSample withChunks(TurnSample.ChunkArrival... chunks) {
    return new TurnSample(0, 10 * MS, 100 * MS, 5_000 * MS, List.of(chunks), 1, 0, false, "", "");
  }

  @Test
  void aChunkThatArrivesBeforeThePreviousOneFinishedPlayingLeavesNoGap() {
    TurnSample s = withChunks(new TurnSample.ChunkArrival(100 * MS, 1.0), new TurnSample.ChunkArrival(600 * MS, 1.0));
    assertArrayEquals(new long[] {0}, s.interChunkGapsNanos());
  }

  @Test
  void aLateChunkIsSilenceAfterThePlaybackOfEverythingBeforeIt() {
    // chunk 0 plays 100..1100 ms; chunk 1 arrives at 1300 (200 ms gap), plays to 1800;
    // chunk 2 arrives at 1700, in time; it plays 1800..2300; chunk 3 at 2400: 100 ms gap
    TurnSample s = withChunks(new TurnSample.ChunkArrival(100 * MS, 1.0), new TurnSample.ChunkArrival(1_300 * MS, 0.5),
        new TurnSample.ChunkArrival(1_700 * MS, 0.5), new TurnSample.ChunkArrival(2_400 * MS, 0.5));
    assertArrayEquals(new long[] {200 * MS, 0, 100 * MS}, s.interChunkGapsNanos());
  }

  @Test
  void compressedChunksWhoseDurationIsUnknownReportNoGaps() {
    TurnSample s = withChunks(new TurnSample.ChunkArrival(100 * MS, 0), new TurnSample.ChunkArrival(1_300 * MS, 0));
    assertArrayEquals(new long[0], s.interChunkGapsNanos(), "the time between arrivals is not silence");
  }
}
