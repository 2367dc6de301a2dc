package dev.officehours.jmh;

import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeakableText;
import dev.officehours.text.SpeechChunker;
import java.util.ArrayList;
import java.util.List;
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
 * Cleaning chunks for TTS (markdown, URLs, code, emoji), once per chunk of every turn: on plain
 * prose, the usual case, and on a markdown answer cut by the chunker.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SpeakableTextJmh {
  /** The chunks of {@link Workloads#ANSWER_64_WORDS}, as the chunker emits them. */
  public List<String> plainChunks;
  /** The chunks of {@link Workloads#MARKDOWN_ANSWER}, as the chunker emits them. */
  public List<String> markdownChunks;

  /** Cuts both answers into the chunks the pipeline would clean. */
  @Setup
  public void setUp() {
    plainChunks = chunks(Workloads.ANSWER_64_WORDS);
    markdownChunks = chunks(Workloads.MARKDOWN_ANSWER);
  }

  /**
   * Every chunk of the plain 64-word answer.
   *
   * @return the characters of speakable text
   */
  @Benchmark
  public int plainAnswer() {
    return cleanAll(plainChunks);
  }

  /**
   * Every chunk of the markdown answer (heading, list, bold, URLs, a link, a code block, an emoji).
   *
   * @return the characters of speakable text
   */
  @Benchmark
  public int markdownAnswer() {
    return cleanAll(markdownChunks);
  }

  private static int cleanAll(List<String> chunks) {
    int chars = 0;
    for (int i = 0; i < chunks.size(); i++) {
      chars += SpeakableText.clean(chunks.get(i)).length();
    }
    return chars;
  }

  private static List<String> chunks(String answer) {
    List<String> out = new ArrayList<>();
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    chunker.append(answer, out::add);
    chunker.flush(out::add);
    return out;
  }
}
