package dev.officehours.examples.bench;

import dev.officehours.text.ChunkerSettings;
import dev.officehours.text.SpeechChunker;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated providers' floor for the time to first audio: a client that cost nothing would hear
 * the first audio at the model's time to first token, plus one token interval for every token after
 * the first until its text is cut, plus the speech's time to first byte. Where the text is cut
 * depends on the client: OfficeHours' chunker (the first chunk, a clause or five words), a sentence
 * splitter (the first whole sentence) or none (the whole answer). A cut is known only when the next
 * token arrives, as for the clients themselves. Jitter averages out; request times and the network
 * count as zero, so every real client is above it.
 */
final class IdealTtfa {
  private IdealTtfa() {}

  /**
   * The floor for one answer.
   *
   * @param answer the simulated model's answer, before it is stretched or cut to length
   * @param timing the simulated providers' timing
   * @return the three floors, in milliseconds
   */
  static BenchResults.Ideal of(String answer, SimulatorProcess.SimTiming timing) {
    List<String> tokens = tokens(answer, timing.answerWords());
    return new BenchResults.Ideal(millis(firstChunkToken(tokens), timing), millis(firstSentenceToken(tokens), timing),
        millis(tokens.size() - 1, timing));
  }

  /**
   * The mean floor over the answers the turns got.
   *
   * @param answers one per turn, repeated as asked
   * @param timing the simulated providers' timing
   * @return the means, in milliseconds
   */
  static BenchResults.Ideal mean(List<String> answers, SimulatorProcess.SimTiming timing) {
    double chunk = 0;
    double sentence = 0;
    double whole = 0;
    for (String a : answers) {
      BenchResults.Ideal i = of(a, timing);
      chunk += i.firstChunkMillis();
      sentence += i.firstSentenceMillis();
      whole += i.wholeAnswerMillis();
    }
    int n = Math.max(1, answers.size());
    return new BenchResults.Ideal(chunk / n, sentence / n, whole / n);
  }

  private static double millis(int tokenIndex, SimulatorProcess.SimTiming t) {
    return t.ttft().toNanos() / 1e6 + tokenIndex * (t.tokenInterval().toNanos() / 1e6) + t.ttsTtfb().toNanos() / 1e6;
  }

  /** The index of the token on whose arrival OfficeHours' default chunker emits its first chunk. */
  static int firstChunkToken(List<String> tokens) {
    SpeechChunker chunker = new SpeechChunker(ChunkerSettings.DEFAULT);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      chunker.append(tokens.get(i), out::add);
      if (!out.isEmpty()) {
        return i;
      }
    }
    return tokens.size() - 1; // flushed with the last token
  }

  /** The index of the token on whose arrival a sentence splitter (system b) has its first sentence. */
  static int firstSentenceToken(List<String> tokens) {
    Sentences splitter = Sentences.sentences();
    for (int i = 0; i < tokens.size(); i++) {
      if (splitter.add(tokens.get(i)) != null) {
        return i;
      }
    }
    return tokens.size() - 1;
  }

  /** The answer as the simulator streams it: its own split, so the floor follows what is sent. */
  static List<String> tokens(String answer, int words) {
    return dev.officehours.examples.sim.SimulatedOpenAiServer.tokens(answer, words);
  }
}
