package dev.officehours.examples.load;

import dev.officehours.examples.sim.KnowledgeBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The questions a load test asks: weighted, with a repeat ratio so caches behave as in real
 * traffic. A repeated turn asks, word for word, a question asked before (an answer cache can serve
 * it); any other turn asks a weighted pick from the mix made unique by a numbered suffix, so its
 * text is new but its answer, and thus its speech, usually is not (the TTS cache can serve it).
 *
 * <p>A questions file has one question per line, optionally preceded by a weight and a
 * {@code |} or tab ({@code 3 | What is OfficeHours?}); blank lines and lines starting with
 * {@code #} are ignored.
 */
public final class QuestionMix {
  private static final Pattern WEIGHTED = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*[|\\t]\\s*(.+?)\\s*$");

  /**
   * A question and its weight.
   *
   * @param weight relative frequency, positive
   * @param question the text
   */
  public record Weighted(double weight, String question) {
    /**
     * Validates both.
     *
     * @param weight relative frequency, positive and finite
     * @param question the text, not blank
     * @throws IllegalArgumentException naming the value, when it is not
     */
    public Weighted {
      if (!(weight > 0) || Double.isInfinite(weight)) {
        throw new IllegalArgumentException("weight must be positive but was " + weight);
      }
      if (question == null || question.isBlank()) {
        throw new IllegalArgumentException("question must not be blank");
      }
    }
  }

  private final List<Weighted> questions;
  private final double[] cumulative;
  private final double repeatRatio;
  private final Random random;
  private final String namespace;
  private final List<String> asked = new ArrayList<>();
  private long fresh;
  /**
   * Fresh questions kept for repeats. Past it, each new one replaces a kept one at random (a
   * reservoir): the kept ones stay a uniform sample of every question asked, so a repeat is still
   * any earlier question with equal chance, and a long run (a soak measuring this JVM's heap) holds
   * a bounded number of them instead of one per turn.
   */
  static final int REMEMBERED = 1_000;

  /**
   * A mix of questions, drawn by weight.
   *
   * @param questions the mix, at least one
   * @param repeatRatio the share of turns that repeat an earlier question word for word, 0..1
   *     (the load tester's default is 0.3)
   * @param seed seeds the draws, so a run asks the same questions in the same order
   * @throws IllegalArgumentException when there is no question or the ratio is outside 0..1
   */
  public QuestionMix(List<Weighted> questions, double repeatRatio, long seed) {
    this(questions, repeatRatio, seed, "");
  }

  /**
   * A mix whose fresh questions are numbered in a namespace of their own ({@code (#w1)},
   * {@code (#w2)}, ... for namespace {@code w}), so they never equal another mix's questions:
   * a warm-up must not pre-fill the answer cache for the measured run.
   *
   * @param questions the mix, at least one
   * @param repeatRatio the share of turns that repeat an earlier question word for word, 0..1
   * @param seed seeds the draws
   * @param namespace letters before each fresh question's number; empty for the measured run
   */
  QuestionMix(List<Weighted> questions, double repeatRatio, long seed, String namespace) {
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    if (!namespace.chars().allMatch(Character::isLetter)) {
      throw new IllegalArgumentException("namespace must be letters only but was '" + namespace + "'");
    }
    this.questions = List.copyOf(Objects.requireNonNull(questions, "questions"));
    if (this.questions.isEmpty()) {
      throw new IllegalArgumentException("questions must not be empty");
    }
    if (!(repeatRatio >= 0 && repeatRatio <= 1)) {
      throw new IllegalArgumentException("repeatRatio must be in 0..1 but was " + repeatRatio);
    }
    this.repeatRatio = repeatRatio;
    this.random = new Random(seed);
    this.cumulative = new double[this.questions.size()];
    double sum = 0;
    for (int i = 0; i < cumulative.length; i++) {
      sum += this.questions.get(i).weight();
      cumulative[i] = sum;
    }
  }

  /**
   * The built-in mix: the questions the simulated model knows.
   *
   * @return one question per knowledge-base entry, "What is OfficeHours?" with weight 3 and the
   *     others 1
   */
  public static List<Weighted> builtIn() {
    List<Weighted> mix = new ArrayList<>();
    for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
      mix.add(new Weighted(mix.isEmpty() ? 3 : 1, e.question()));
    }
    return mix;
  }

  /**
   * Reads a questions file.
   *
   * @param file the file
   * @return its questions
   * @throws IOException when it cannot be read
   * @throws IllegalArgumentException naming the line, when a weight is invalid or no question is found
   */
  public static List<Weighted> read(Path file) throws IOException {
    List<Weighted> mix = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = WEIGHTED.matcher(line);
      try {
        mix.add(m.matches() ? new Weighted(Double.parseDouble(m.group(1)), m.group(2)) : new Weighted(1, line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    if (mix.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no question");
    }
    return mix;
  }

  /**
   * Draws the next question to ask. Thread-safe.
   *
   * @return an earlier question again, word for word, with the repeat ratio's probability; else a
   *     weighted pick made unique by a number ({@code What is OfficeHours? (#17)})
   */
  public synchronized String next() {
    if (!asked.isEmpty() && random.nextDouble() < repeatRatio) {
      return asked.get(random.nextInt(asked.size()));
    }
    double r = random.nextDouble() * cumulative[cumulative.length - 1];
    int i = 0;
    while (cumulative[i] <= r && i < cumulative.length - 1) {
      i++;
    }
    String q = questions.get(i).question() + " (#" + namespace + (++fresh) + ")";
    if (asked.size() < REMEMBERED) {
      asked.add(q);
    } else {
      long slot = (long) (random.nextDouble() * fresh);
      if (slot < REMEMBERED) {
        asked.set((int) slot, q);
      }
    }
    return q;
  }

  /** Fresh questions kept for repeats: at most {@link #REMEMBERED}. */
  synchronized int remembered() {
    return asked.size();
  }
}
