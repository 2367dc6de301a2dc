package dev.officehours.examples.tools;

import dev.officehours.ConversationPipeline;
import dev.officehours.tools.Tool;
import dev.officehours.tools.ToolArguments;
import dev.officehours.tools.ToolContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The demo's tool: a <b>made-up</b> office-hours calendar that the model can ask for the free
 * slots of a day ({@value #NAME}). The slots are a fixed table, the same every week, so the demo
 * and its tests are reproducible; the answer comes after a simulated lookup latency, long enough
 * (700 ms by default) for the pipeline's filler ("One moment, let me check.") to be heard.
 *
 * <pre>{@code
 * ConversationPipeline pipeline = OfficeHoursCalendar.addTo(
 *     ConversationPipeline.builder().llm(chat).tts(speech), true).build();
 * }</pre>
 *
 * <p>The lookup holds no thread while it waits: the result is completed by {@link
 * CompletableFuture#delayedExecutor}, and a barge-in cancels it.
 */
public final class OfficeHoursCalendar {
  /** The tool's name, as the model calls it. */
  public static final String NAME = "check_office_hours";
  /** How long a lookup takes unless another latency is given. */
  public static final Duration DEFAULT_LATENCY = Duration.ofMillis(700);
  /** How long a round of tool calls runs before the demo pipelines speak {@link #FILLER}. */
  public static final Duration FILLER_AFTER = Duration.ofMillis(600);
  /** What the demo pipelines say while a lookup runs long. */
  public static final String FILLER = "One moment, let me check.";

  private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\","
      + "\"description\":\"the day to look up: today, tomorrow, or a weekday name such as monday\"}},"
      + "\"required\":[\"day\"]}";

  /** The free slots of each day word; "today" and "tomorrow" are days of their own in this demo. */
  private static final Map<String, List<String>> SLOTS = slots();

  private final Duration latency;

  /**
   * A calendar that answers after {@code latency}.
   *
   * @param latency the simulated lookup time; zero answers at once (tests)
   * @throws IllegalArgumentException when {@code latency} is negative
   */
  public OfficeHoursCalendar(Duration latency) {
    Objects.requireNonNull(latency, "latency");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative but was " + latency);
    }
    this.latency = latency;
  }

  /**
   * The calendar as a tool, with the default latency.
   *
   * @return the tool {@value #NAME}
   */
  public static Tool tool() {
    return new OfficeHoursCalendar(DEFAULT_LATENCY).asTool();
  }

  /**
   * Gives a pipeline the calendar tool, and the filler the demo speaks while it runs.
   *
   * @param pipeline the pipeline's builder
   * @param speaks whether the pipeline has a TTS provider: only then is {@link #FILLER} set
   * @return {@code pipeline}
   */
  public static ConversationPipeline.Builder addTo(ConversationPipeline.Builder pipeline, boolean speaks) {
    pipeline.tools(tool());
    if (speaks) {
      pipeline.toolFiller(FILLER_AFTER, FILLER);
    }
    return pipeline;
  }

  /**
   * The day words the calendar knows.
   *
   * @return today, tomorrow and the weekday names, in lower case
   */
  public static List<String> days() {
    return List.copyOf(SLOTS.keySet());
  }

  /**
   * This calendar as a tool.
   *
   * @return the tool {@value #NAME}, cancellable, with the pipeline's timeout
   */
  public Tool asTool() {
    return Tool.of(NAME, "Free office-hour slots on a day (24-hour times). Call it when the user asks "
        + "when office hours are.", SCHEMA, this::call);
  }

  private CompletionStage<String> call(ToolArguments arguments, ToolContext context) {
    CompletableFuture<String> result = slots(arguments.string("day"));
    context.onCancel(() -> result.cancel(false));
    return result;
  }

  /**
   * Looks up the free slots of a day.
   *
   * @param day today, tomorrow or a weekday name, in any letter case
   * @return completes after the latency with {@code {"day":"tomorrow","slots":["10:00","13:30"]}}
   *     (the day in lower case; no slots on a day without office hours)
   * @throws IllegalArgumentException when {@code day} is not one of {@link #days()}; the message
   *     names them, so a model told the error can try again
   */
  public CompletableFuture<String> slots(String day) {
    String key = Objects.requireNonNull(day, "day").strip().toLowerCase(Locale.ROOT);
    List<String> slots = SLOTS.get(key);
    if (slots == null) {
      throw new IllegalArgumentException("unknown day '" + abbreviate(day) + "': use one of "
          + String.join(", ", SLOTS.keySet()));
    }
    StringBuilder json = new StringBuilder("{\"day\":\"").append(key).append("\",\"slots\":[");
    for (int i = 0; i < slots.size(); i++) {
      json.append(i == 0 ? "" : ",").append('"').append(slots.get(i)).append('"');
    }
    String result = json.append("]}").toString();
    if (latency.isZero()) {
      return CompletableFuture.completedFuture(result);
    }
    return CompletableFuture.supplyAsync(() -> result,
        CompletableFuture.delayedExecutor(latency.toNanos(), TimeUnit.NANOSECONDS));
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private static Map<String, List<String>> slots() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("today", List.of("09:00", "11:30", "15:00"));
    m.put("tomorrow", List.of("10:00", "13:30", "16:00"));
    m.put("monday", List.of("09:00", "14:00"));
    m.put("tuesday", List.of("10:00", "13:30", "16:00"));
    m.put("wednesday", List.of("11:00"));
    m.put("thursday", List.of("09:30", "15:30"));
    m.put("friday", List.of("10:00", "12:00"));
    m.put("saturday", List.of());
    m.put("sunday", List.of());
    return m;
  }

  @Override
  public String toString() {
    return "OfficeHoursCalendar[latency=" + latency.toMillis() + " ms]";
  }
}
