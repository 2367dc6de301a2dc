package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChunkerSettingsTest {
  private static final Duration IDLE = Duration.ofMillis(400);

  @Test
  void defaultsAreTheDocumentedValues() {
    assertEquals(new ChunkerSettings(8, 5, 20, 250, Duration.ofMillis(400)), ChunkerSettings.DEFAULT);
  }

  @Test
  void acceptsTheSmallestValidValues() {
    ChunkerSettings smallest = new ChunkerSettings(1, 1, 1, 1, Duration.ofNanos(1));
    assertEquals(1, smallest.maxChunkChars());
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        bad("firstChunkMinChars", "0", () -> new ChunkerSettings(0, 5, 20, 250, IDLE)),
        bad("firstChunkMaxWords", "-1", () -> new ChunkerSettings(8, -1, 20, 250, IDLE)),
        bad("minChunkChars", "0", () -> new ChunkerSettings(8, 5, 0, 250, IDLE)),
        bad("maxChunkChars", "19", () -> new ChunkerSettings(8, 5, 20, 19, IDLE)),
        bad("maxChunkChars", "7", () -> new ChunkerSettings(8, 5, 1, 7, IDLE)),
        bad("idleFlush", "PT0S", () -> new ChunkerSettings(8, 5, 20, 250, Duration.ZERO)),
        bad("idleFlush", "PT-1S", () -> new ChunkerSettings(8, 5, 20, 250, Duration.ofSeconds(-1))));
  }

  private static Arguments bad(String name, String value, Executable construct) {
    return Arguments.of(name, value, construct);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("badSettings")
  void rejectsABadValueNamingTheSettingAndTheValue(String name, String value, Executable construct) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct);
    assertTrue(e.getMessage().startsWith(name), e.getMessage());
    assertTrue(e.getMessage().contains(value), e.getMessage());
  }

  @Test
  void rejectsAMissingIdleFlushNamingIt() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> new ChunkerSettings(8, 5, 20, 250, null));
    assertEquals("idleFlush", e.getMessage());
  }
}
