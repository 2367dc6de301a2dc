package dev.officehours.text;

import java.lang.reflect.Method;
import java.util.List;
import java.util.function.Consumer;

/**
 * Throughput and allocation of the chunker on a realistic answer streamed per word (not a unit
 * test: run by hand, see the report). Prints tokens per second on one thread, bytes allocated per
 * token beyond the emitted chunk strings, and the cost of {@link SpeakableText#clean} per chunk.
 *
 * <pre>
 * ./mvnw -q -o -pl officehours-core test-compile
 * java -cp officehours-core/target/classes:officehours-core/target/test-classes \
 *     dev.officehours.text.SpeechChunkerBenchmark
 * </pre>
 */
public final class SpeechChunkerBenchmark {
  private static final String ANSWER = """
      Sure, I can help with that! Here is a quick overview of the options, e.g. the basic plan vs. \
      the premium plan. The basic plan costs $9.99 per month and includes 1,000 minutes; the premium \
      plan costs $29.99 and has no limits at all. Dr. Smith from support (bob@mail.example.org) says \
      most teams start small.

      ## How to upgrade
      1. Open https://example.com/account/settings?tab=billing in your browser.
      2. Click **Upgrade** — it takes about 3.5 seconds.
      3. Confirm with your password.

      ```bash
      curl -X POST https://api.example.com/v1/upgrade -d '{"plan": "premium"}'
      ```

      That is all there is to it... If anything goes wrong, call us at 9 a.m. or later. \
      Have a great day! 🎉
      """;

  private SpeechChunkerBenchmark() {}

  /** Runs the benchmark and prints its numbers. */
  public static void main(String[] args) throws ReflectiveOperationException {
    List<String> tokens = Chunking.perWord(ANSWER.repeat(4));
    int chars = ANSWER.length() * 4;
    long[] sink = new long[2];
    Consumer<String> out = chunk -> {
      sink[0]++;
      sink[1] += chunk.length();
    };
    for (int warm = 0; warm < 20_000; warm++) {
      turn(tokens, out);
    }
    // reflection: the core module does not read java.management, and the benchmark runs on the class path
    Object threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
    Method allocatedBytes = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
    int turns = 50_000;
    sink[0] = 0;
    sink[1] = 0;
    long allocatedBefore = (long) allocatedBytes.invoke(threads);
    long start = System.nanoTime();
    for (int t = 0; t < turns; t++) {
      turn(tokens, out);
    }
    long nanos = System.nanoTime() - start;
    long allocated = (long) allocatedBytes.invoke(threads) - allocatedBefore;
    long chunks = sink[0];
    // a Latin-1 String of n chars: 24 bytes object + 16 bytes array header + n, 8-byte aligned
    long chunkBytes = chunks * 40 + sink[1] + chunks * 4;
    long totalTokens = (long) turns * tokens.size();
    System.out.printf("answer: %d chars, %d tokens, %d chunks per turn%n", chars, tokens.size(), chunks / turns);
    System.out.printf("chunker: %.0f ns per turn, %.1f ns per token, %.1f M tokens/s on one thread%n",
        (double) nanos / turns, (double) nanos / totalTokens, totalTokens * 1e3 / nanos);
    System.out.printf("allocated: %.0f bytes per turn, chunk strings ~%.0f, rest %.2f bytes per token%n",
        (double) allocated / turns, (double) chunkBytes / turns, (double) (allocated - chunkBytes) / totalTokens);

    List<String> chunked = Chunking.chunks(ChunkerSettings.DEFAULT, tokens);
    for (int warm = 0; warm < 2_000; warm++) {
      chunked.forEach(SpeakableText::clean);
    }
    int rounds = 5_000;
    start = System.nanoTime();
    for (int r = 0; r < rounds; r++) {
      chunked.forEach(SpeakableText::clean);
    }
    nanos = System.nanoTime() - start;
    System.out.printf("SpeakableText.clean: %.1f us per chunk (%d chunks)%n",
        nanos / 1e3 / rounds / chunked.size(), chunked.size());
  }

  private static void turn(List<String> tokens, Consumer<String> out) {
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    for (int k = 0; k < tokens.size(); k++) {
      chunker.append(tokens.get(k), out);
    }
    chunker.flush(out);
  }
}
