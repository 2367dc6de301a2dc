package dev.officehours.jmh;

import dev.officehours.internal.SseReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okio.BufferedSource;
import okio.Okio;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Server-sent event parsing, as the chat provider reads a response body: the source is an
 * {@code InputStream} read 8 KiB at a time, like a socket, not a buffer holding the whole body.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SseReaderJmh {

  /**
   * One OpenAI chat completion stream of 64 content tokens ({@link Workloads#OPENAI_CHAT_STREAM}).
   *
   * @return the events read, {@link Workloads#OPENAI_CHAT_STREAM_EVENTS}
   * @throws IOException never: the source is in memory
   */
  @Benchmark
  public int openAiChatStream() throws IOException {
    return readAll(Workloads.OPENAI_CHAT_STREAM);
  }

  /**
   * Sixteen 32 KiB events of base64 audio ({@link Workloads#SPEECH_AUDIO_STREAM}): lines longer
   * than one read.
   *
   * @return the events read, {@link Workloads#SPEECH_AUDIO_STREAM_EVENTS}
   * @throws IOException never: the source is in memory
   */
  @Benchmark
  public int largeEvents() throws IOException {
    return readAll(Workloads.SPEECH_AUDIO_STREAM);
  }

  private static int readAll(byte[] body) throws IOException {
    BufferedSource source = Okio.buffer(Okio.source(new ByteArrayInputStream(body)));
    SseReader reader = new SseReader(source);
    int events = 0;
    int dataChars = 0;
    Optional<SseReader.Event> event;
    while ((event = reader.next()).isPresent()) {
      events++;
      dataChars += event.get().data().length();
    }
    // the data's length keeps every event's string alive to the JIT; the count is what tests check
    return dataChars > 0 ? events : -1;
  }
}
