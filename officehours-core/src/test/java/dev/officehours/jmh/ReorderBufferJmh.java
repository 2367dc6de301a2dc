package dev.officehours.jmh;

import dev.officehours.internal.ReorderBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ordered delivery of one turn's audio: {@value #CHUNKS} chunks synthesised with up to
 * {@value #IN_FLIGHT} in flight, {@value #FRAMES} frames each, arriving interleaved and out of
 * chunk order, delivered strictly in order.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReorderBufferJmh {
  /** Chunks of the turn. */
  public static final int CHUNKS = 6;
  /** Audio frames of each chunk. */
  public static final int FRAMES = 8;
  /** How many chunks' TTS calls stream at the same time. */
  public static final int IN_FLIGHT = 3;

  /** A frame of audio; {@code order} grows with chunk, then frame. */
  public record Frame(int chunk, int order, byte[] audio) {}

  /** Arrivals in order: a frame, or (frame null) the end of {@code endOf}. */
  private Frame[] arrivals;
  private int[] endOf;
  /** Frames delivered in the last invocation. */
  public int delivered;
  /** Frames delivered before one that should have come before them; 0 when in order. */
  public int outOfOrder;
  /** Chunks reported done in the last invocation. */
  public int done;
  private int lastOrder;
  private final ReorderBuffer.Output<Frame> out = new ReorderBuffer.Output<>() {
    @Override
    public void piece(int seq, Frame frame) {
      if (frame.order() < lastOrder || frame.chunk() != seq) {
        outOfOrder++;
      }
      lastOrder = frame.order();
      delivered++;
    }

    @Override
    public void done(int seq) {
      done++;
    }
  };

  /**
   * Draws a reproducible arrival order: each arrival comes from one of the first
   * {@value #IN_FLIGHT} chunks not yet finished, so later chunks often finish before earlier ones.
   */
  @Setup
  public void setUp() {
    Random random = new Random(12);
    arrivals = new Frame[CHUNKS * (FRAMES + 1)];
    endOf = new int[arrivals.length];
    int[] sent = new int[CHUNKS];
    int firstUnfinished = 0;
    int n = 0;
    while (firstUnfinished < CHUNKS) {
      int window = Math.min(IN_FLIGHT, CHUNKS - firstUnfinished);
      int chunk = firstUnfinished + random.nextInt(window);
      if (sent[chunk] > FRAMES) {
        chunk = firstUnfinished; // this one is finished: the first unfinished one is not
        while (sent[chunk] > FRAMES) {
          chunk++;
        }
      }
      if (sent[chunk] < FRAMES) {
        arrivals[n] = new Frame(chunk, chunk * FRAMES + sent[chunk], new byte[4800]);
      } else {
        endOf[n] = chunk;
      }
      sent[chunk]++;
      n++;
      while (firstUnfinished < CHUNKS && sent[firstUnfinished] > FRAMES) {
        firstUnfinished++;
      }
    }
  }

  /**
   * One turn's frames and chunk ends through a new buffer.
   *
   * @return the frames delivered, {@code CHUNKS * FRAMES}
   */
  @Benchmark
  public int turnOf6ChunksOutOfOrder() {
    delivered = 0;
    outOfOrder = 0;
    done = 0;
    lastOrder = -1;
    ReorderBuffer<Frame> buffer = new ReorderBuffer<>(out);
    for (int c = 0; c < CHUNKS; c++) {
      buffer.open();
    }
    for (int i = 0; i < arrivals.length; i++) {
      Frame frame = arrivals[i];
      if (frame != null) {
        buffer.add(frame.chunk(), frame);
      } else {
        buffer.end(endOf[i]);
      }
    }
    return delivered;
  }

  /**
   * How many frames arrived while an earlier chunk was still open: the buffer had to hold them.
   *
   * @return frames that arrived ahead of their turn in the drawn order
   */
  public int framesArrivingEarly() {
    int early = 0;
    boolean[] ended = new boolean[CHUNKS];
    for (int i = 0; i < arrivals.length; i++) {
      Frame frame = arrivals[i];
      if (frame == null) {
        ended[endOf[i]] = true;
        continue;
      }
      for (int c = 0; c < frame.chunk(); c++) {
        if (!ended[c]) {
          early++;
          break;
        }
      }
    }
    return early;
  }
}
