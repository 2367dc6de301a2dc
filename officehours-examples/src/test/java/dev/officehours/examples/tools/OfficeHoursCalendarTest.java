package dev.officehours.examples.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.tools.Tool;
import dev.officehours.tools.ToolArguments;
import dev.officehours.tools.ToolContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OfficeHoursCalendarTest {
  private final Tool calendar = new OfficeHoursCalendar(Duration.ZERO).asTool();

  /** The context a pipeline would pass; records what a cancel should stop. */
  private static final class Context implements ToolContext {
    final List<Runnable> onCancel = new ArrayList<>();

    @Override
    public String turnId() {
      return "t-000000000001";
    }

    @Override
    public String sessionId() {
      return "calendar-test";
    }

    @Override
    public String callId() {
      return "call_1";
    }

    @Override
    public String toolName() {
      return OfficeHoursCalendar.NAME;
    }

    @Override
    public Instant deadline() {
      return Instant.now().plusSeconds(10);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void onCancel(Runnable action) {
      onCancel.add(action);
    }
  }

  private String call(Tool tool, String arguments) {
    return tool.call(ToolArguments.parse(arguments), new Context()).toCompletableFuture().join();
  }

  @Test
  void eachDayHasItsOwnFixedSlotsAsJson() {
    assertEquals("{\"day\":\"today\",\"slots\":[\"09:00\",\"11:30\",\"15:00\"]}", call(calendar, "{\"day\":\"today\"}"));
    assertEquals("{\"day\":\"tomorrow\",\"slots\":[\"10:00\",\"13:30\",\"16:00\"]}",
        call(calendar, "{\"day\":\"tomorrow\"}"));
    assertEquals("{\"day\":\"wednesday\",\"slots\":[\"11:00\"]}", call(calendar, "{\"day\":\" Wednesday \"}"));
    assertEquals("{\"day\":\"sunday\",\"slots\":[]}", call(calendar, "{\"day\":\"SUNDAY\"}"));
    assertEquals(call(calendar, "{\"day\":\"friday\"}"), call(calendar, "{\"day\":\"friday\"}"), "the same every time");
    assertEquals(List.of("today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday"), OfficeHoursCalendar.days());
  }

  @Test
  void anUnknownDayFailsTheCallWithAMessageNamingTheDaysItKnows() {
    CompletableFuture<String> result = calendar.call(ToolArguments.parse("{\"day\":\"next week\"}"), new Context())
        .toCompletableFuture();

    CompletionException e = assertThrows(CompletionException.class, result::join);
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertEquals("unknown day 'next week': use one of today, tomorrow, monday, tuesday, wednesday, thursday, "
        + "friday, saturday, sunday", e.getCause().getMessage());
    assertThrows(IllegalArgumentException.class, () -> new OfficeHoursCalendar(Duration.ZERO).slots("someday"),
        "thrown at once, before any waiting");
  }

  @Test
  void theToolOffersADayArgumentTheModelMustGive() {
    Tool tool = OfficeHoursCalendar.tool();
    assertEquals("check_office_hours", tool.name());
    assertTrue(tool.cancellable());
    assertFalse(tool.isBlocking(), "it holds no thread while it waits");
    String schema = tool.definition().parametersSchema();
    assertTrue(schema.contains("\"required\":[\"day\"]") && schema.contains("\"day\":{\"type\":\"string\""), schema);
  }

  @Test
  void aLookupWaitsItsLatencyWithoutHoldingTheCallerAndACancelStopsIt() {
    Tool slow = new OfficeHoursCalendar(Duration.ofHours(1)).asTool();
    Context context = new Context();

    CompletableFuture<String> result = slow.call(ToolArguments.parse("{\"day\":\"today\"}"), context)
        .toCompletableFuture();

    assertFalse(result.isDone(), "the call returned before its answer");
    assertEquals(1, context.onCancel.size(), "it asked to hear of a cancel");
    context.onCancel.forEach(Runnable::run);
    assertTrue(result.isCancelled());
  }

  @Test
  void theDefaultLatencyAnswersLater() throws Exception {
    CompletableFuture<String> result = new OfficeHoursCalendar(OfficeHoursCalendar.DEFAULT_LATENCY).slots("monday");
    assertEquals("{\"day\":\"monday\",\"slots\":[\"09:00\",\"14:00\"]}", result.get(30, TimeUnit.SECONDS));
  }

  @Test
  void aNegativeLatencyIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new OfficeHoursCalendar(Duration.ofMillis(-1)));
    assertTrue(e.getMessage().contains("latency"), e.getMessage());
  }
}
