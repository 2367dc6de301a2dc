package dev.officehours.jmh;

import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeechChunker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The speech chunker over one answer's tokens, as a turn drives it: a new chunker, every token, the flush. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SpeechChunkerJmh {
  private final List<String> tokens = Workloads.ANSWER_TOKENS;
  /** Chunks emitted in the last invocation. */
  public int chunks;
  /** Characters in those chunks: the whole answer when nothing was lost. */
  public int chars;
  private final Consumer<String> out = chunk -> {
    chunks++;
    chars += chunk.length();
  };

  /**
   * The 64 tokens of {@link Workloads#ANSWER_64_WORDS} through a new chunker, then its flush.
   *
   * @return the chunks emitted
   */
  @Benchmark
  public int answerOf64Tokens() {
    chunks = 0;
    chars = 0;
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    for (int i = 0; i < tokens.size(); i++) {
      chunker.append(tokens.get(i), out);
    }
    chunker.flush(out);
    return chunks;
  }
}
