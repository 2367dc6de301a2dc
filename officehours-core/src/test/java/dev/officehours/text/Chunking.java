package dev.officehours.text;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Drives a {@link SpeechChunker} with a text split into tokens in different ways. */
final class Chunking {
  private Chunking() {}

  /** The chunks of {@code text} arriving as the given tokens, with the final flush. */
  static List<String> chunks(ChunkerSettings settings, List<String> tokens) {
    SpeechChunker chunker = new SpeechChunker(settings);
    List<String> out = new ArrayList<>();
    for (String token : tokens) {
      chunker.append(token, out::add);
    }
    chunker.flush(out::add);
    return out;
  }

  static List<String> whole(String text) {
    return List.of(text);
  }

  static List<String> perChar(String text) {
    List<String> tokens = new ArrayList<>();
    for (int k = 0; k < text.length(); k++) {
      tokens.add(text.substring(k, k + 1)); // also splits surrogate pairs, as a byte-level stream could
    }
    return tokens;
  }

  /** Like an LLM tokenizer: each token is a word with the whitespace in front of it. */
  static List<String> perWord(String text) {
    List<String> tokens = new ArrayList<>();
    int from = 0;
    for (int k = 1; k < text.length(); k++) {
      if (!Character.isWhitespace(text.charAt(k)) && Character.isWhitespace(text.charAt(k - 1))) {
        int start = k - 1;
        while (start > from && Character.isWhitespace(text.charAt(start - 1))) {
          start--;
        }
        tokens.add(text.substring(from, start));
        from = start;
      }
    }
    tokens.add(text.substring(from));
    return tokens;
  }

  /** Random cuts of 0 to 6 characters (empty tokens too), reproducible from the seed. */
  static List<String> randomSplit(String text, long seed) {
    Random random = new Random(seed);
    List<String> tokens = new ArrayList<>();
    int k = 0;
    while (k < text.length()) {
      int n = Math.min(text.length() - k, random.nextInt(7));
      tokens.add(text.substring(k, k + n));
      k += n;
    }
    return tokens;
  }

  /** Settings from "name=value" pairs over the defaults. */
  static ChunkerSettings settings(String spec) {
    ChunkerSettings d = ChunkerSettings.DEFAULT;
    int firstMin = d.firstChunkMinChars();
    int firstWords = d.firstChunkMaxWords();
    int min = d.minChunkChars();
    int max = d.maxChunkChars();
    for (String pair : spec.strip().split("\\s+")) {
      String[] kv = pair.split("=", 2);
      int v = Integer.parseInt(kv[1]);
      switch (kv[0]) {
        case "firstChunkMinChars" -> firstMin = v;
        case "firstChunkMaxWords" -> firstWords = v;
        case "minChunkChars" -> min = v;
        case "maxChunkChars" -> max = v;
        default -> throw new IllegalArgumentException("unknown setting " + kv[0]);
      }
    }
    return new ChunkerSettings(firstMin, firstWords, min, max, Duration.ofMillis(400));
  }
}
