package dev.officehours.examples.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated model's whole knowledge: a few paragraphs about OfficeHours itself, chosen by
 * keyword match. The same question always gets the same answer, so caches and load tests behave
 * reproducibly.
 *
 * <p>One trigger lets a test choose the answer: a question that starts with {@value #ECHO_PREFIX}
 * (in any letter case) is answered with exactly the text after it, trimmed. The browser tests use
 * it to make the model say a short, known sentence, or markup that the page must show as text.
 *
 * <p>When a request offers the function {@value #OFFICE_HOURS_TOOL}, a question about office hours
 * ("When are office hours tomorrow?") is answered with a call to it instead ({@link
 * #officeHoursDay}), and the call's result, sent back as a tool message, with a sentence made from
 * it ({@link #answerFromTool}): the same every time, as a simulated model should be.
 */
public final class KnowledgeBase {

  /**
   * One entry: the words that select it and the answer it gives.
   *
   * @param keywords lower-case words or phrases; each one found in a question scores its length,
   *     so a specific phrase ("office hours") outweighs a word it contains ("hours")
   * @param question a typical question this entry answers, used by the built-in question mix
   * @param answer the answer, plain spoken sentences
   */
  public record Entry(List<String> keywords, String question, String answer) {
    /**
     * Copies the keywords and rejects missing values.
     *
     * @param keywords lower-case words or phrases that select this entry
     * @param question a typical question this entry answers
     * @param answer the answer
     */
    public Entry {
      keywords = List.copyOf(keywords);
      Objects.requireNonNull(question, "question");
      Objects.requireNonNull(answer, "answer");
    }
  }

  private static final List<Entry> ENTRIES = List.of(
      new Entry(List.of("officehours", "about officehours"),
          "What is OfficeHours?",
          "OfficeHours is an embeddable Java library for real-time voice conversations. "
              + "You send it what the user said, it streams the answer from a language model, "
              + "cuts the text into speakable chunks, and synthesises them in parallel. "
              + "The audio comes back strictly in order, and the first words play within a second."),
      new Entry(List.of("latency", "fast", "first audio", "ttfa", "slow", "speed"),
          "How fast does the first audio arrive?",
          "The first audio usually arrives well under a second after the question. "
              + "OfficeHours starts speech synthesis on the first sentence while the model is still writing, "
              + "and it runs several syntheses at once. A cache answers repeated phrases without calling the speech service at all."),
      new Entry(List.of("cache", "caching", "redis", "caffeine"),
          "How does caching work?",
          "There are two caches. The speech cache keeps synthesised audio by its exact text and voice, "
              + "in memory with Caffeine or shared in Redis. The answer cache replays a whole answer "
              + "when the same question comes again in the same context."),
      new Entry(List.of("barge", "interrupt", "cancel"),
          "What happens when I interrupt the assistant?",
          "Interrupting is called barge-in. The current turn is cancelled at once: "
              + "the model call and pending speech calls are closed, no more audio arrives, "
              + "and history keeps what was already said, marked as interrupted."),
      new Entry(List.of("provider", "openai", "ollama", "model", "vllm", "azure"),
          "Which models can I use?",
          "Any endpoint that speaks the OpenAI protocol works: OpenAI itself, Azure OpenAI, Ollama, vLLM, "
              + "llama.cpp and many more. You can also plug in your own language model or speech provider "
              + "through two small interfaces."),
      new Entry(List.of("metric", "micrometer", "observe", "monitor", "prometheus"),
          "How do I monitor it?",
          "Every turn reports its time to first token, time to first audio and total time. "
              + "OfficeHours publishes these as Micrometer meters, so Prometheus or any other registry can collect them."),
      new Entry(List.of("install", "get started", "maven", "dependency", "how do i use", "integrate"),
          "How do I get started?",
          "Add the officehours core dependency to your Maven build, build one conversation pipeline "
              + "with a language model and a speech provider, and start a turn with the session and the user's words. "
              + "Listen for text and audio events, and play the audio as it arrives."),
      new Entry(List.of("office hours", "hours", "opening", "open", "schedule"),
          "What are your office hours?",
          "This is a demo, so the office never closes. In a real deployment you would give the assistant "
              + "your opening hours in its system prompt, and it would answer from them."),
      new Entry(List.of("image", "picture", "vision", "photo", "look at"),
          "Can it look at a picture?",
          "Yes. A turn can carry an image, and vision models describe or answer questions about it. "
              + "This simulated model cannot really see, so it only says that it received one."));

  private static final String FALLBACK =
      "I am the simulated OfficeHours assistant, so I only know about OfficeHours itself. "
          + "Ask me what OfficeHours is, how fast the first audio arrives, how caching works, or what barge-in means.";

  /** The function the simulated model calls for a question about office hours, when it is offered. */
  public static final String OFFICE_HOURS_TOOL = "check_office_hours";

  /** What the simulated model says before it calls {@value #OFFICE_HOURS_TOOL}. */
  public static final String TOOL_PREAMBLE = "Let me check the calendar.";

  private static final Pattern OFFICE_HOURS = Pattern.compile("\\boffice hours?\\b");
  private static final Pattern DAY = Pattern.compile(
      "\\b(today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\\b");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The start of a question that makes the simulated model repeat the rest of it verbatim. */
  public static final String ECHO_PREFIX = "Repeat after me:";

  private KnowledgeBase() {}

  /**
   * What the simulated model knows.
   *
   * @return every entry, in match priority order (the first wins a tie)
   */
  public static List<Entry> entries() {
    return ENTRIES;
  }

  /**
   * The answer to a question: the text after {@value #ECHO_PREFIX} when the question starts with it
   * (and something follows); otherwise the entry whose keywords found in it are longest in all (the
   * first on a tie), or a polite fallback naming what the simulated assistant knows.
   *
   * @param question what the user asked
   * @return the answer text, never empty
   */
  public static String answer(String question) {
    String echo = echoed(question);
    if (echo != null) {
      return echo;
    }
    String q = question.toLowerCase(Locale.ROOT);
    Entry best = null;
    int bestScore = 0;
    for (Entry e : ENTRIES) {
      int score = 0;
      for (String k : e.keywords()) {
        if (q.contains(k)) {
          score += k.length();
        }
      }
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
    }
    return best == null ? FALLBACK : best.answer();
  }

  /** The text to repeat, or null when the question is not an echo request with something to say. */
  private static String echoed(String question) {
    String q = question.strip();
    if (!q.regionMatches(true, 0, ECHO_PREFIX, 0, ECHO_PREFIX.length())) {
      return null;
    }
    String rest = q.substring(ECHO_PREFIX.length()).strip();
    return rest.isEmpty() ? null : rest;
  }

  /**
   * The day a question asks office hours for: "office hours" (or "office hour") and the first of
   * today, tomorrow or a weekday name found in it, in any letter case. "OfficeHours", the
   * library's name, is not a question about office hours.
   *
   * @param question what the user asked
   * @return the day in lower case ({@code today} when none is named), or empty when the question
   *     is not about office hours
   */
  public static Optional<String> officeHoursDay(String question) {
    String q = question.toLowerCase(Locale.ROOT);
    if (echoed(question) != null || !OFFICE_HOURS.matcher(q).find()) {
      return Optional.empty();
    }
    Matcher day = DAY.matcher(q);
    return Optional.of(day.find() ? day.group(1) : "today");
  }

  /**
   * What the simulated model says about a tool's result: for a result of {@value
   * #OFFICE_HOURS_TOOL} ({@code {"day":"tomorrow","slots":["10:00","13:30"]}}) a sentence naming
   * the slots; for a result with an {@code error}, that the check failed; for anything else, a
   * sentence that repeats the start of it.
   *
   * @param result the content of the tool message
   * @return one or two plain spoken sentences
   */
  public static String answerFromTool(String result) {
    JsonNode root;
    try {
      root = JSON.readTree(result);
    } catch (java.io.IOException e) {
      root = null;
    }
    if ((root != null && root.has("error")) || (root == null && result.toLowerCase(Locale.ROOT).contains("error"))) {
      return "Sorry, I could not check the calendar just now, so I cannot tell you the office hours.";
    }
    if (root != null && root.path("slots").isArray() && root.path("day").isTextual()) {
      String day = root.path("day").asText().toLowerCase(Locale.ROOT);
      String when = day.isBlank() ? "that day" : day.equals("today") || day.equals("tomorrow") ? day
          : "on " + Character.toUpperCase(day.charAt(0)) + day.substring(1);
      List<String> slots = new ArrayList<>();
      root.path("slots").forEach(s -> slots.add(s.asText()));
      if (slots.isEmpty()) {
        return "There are no office hours " + when + ".";
      }
      String list = slots.size() == 1 ? slots.get(0)
          : String.join(", ", slots.subList(0, slots.size() - 1)) + " and " + slots.get(slots.size() - 1);
      return "Office hours " + when + " are at " + list + ".";
    }
    String start = result.strip().replaceAll("\\s+", " ");
    if (start.isEmpty()) {
      return "The tool returned nothing.";
    }
    return "The tool returned: " + (start.length() <= 120 ? start : start.substring(0, 120) + "...") + ".";
  }
}
