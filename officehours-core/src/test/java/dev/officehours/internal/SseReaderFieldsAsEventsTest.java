package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The non-standard fields a caller asks {@link SseReader} to report (llama.cpp's {@code error:}
 * lines): dispatched at once, as events of the field's name; without the request the reader
 * keeps to the specification and ignores them.
 */
class SseReaderFieldsAsEventsTest {

  private static List<SseReader.Event> readAll(SseReader reader) throws IOException {
    List<SseReader.Event> events = new ArrayList<>();
    for (Optional<SseReader.Event> e = reader.next(); e.isPresent(); e = reader.next()) {
      events.add(e.get());
    }
    return events;
  }

  private static List<SseReader.Event> readAll(String stream, Set<String> fields)
      throws IOException {
    return readAll(new SseReader(new Buffer().writeUtf8(stream), 1024, fields));
  }

  @Test
  void aRequestedFieldLineIsAnEventOfThatTypeWithItsValueAsData() throws IOException {
    List<SseReader.Event> events = readAll(
        "error: {\"code\":400,\"message\":\"too long\"}\n\ndata: [DONE]\n\n", Set.of("error"));

    assertEquals(List.of(new SseReader.Event("error", "{\"code\":400,\"message\":\"too long\"}", ""),
        new SseReader.Event("message", "[DONE]", "")), events);
  }

  @Test
  void withoutTheRequestTheFieldIsIgnoredAsTheSpecificationSays() throws IOException {
    List<SseReader.Event> events = readAll(
        new SseReader(new Buffer().writeUtf8("error: {\"code\":400}\n\ndata: [DONE]\n\n")));

    assertEquals(List.of(new SseReader.Event("message", "[DONE]", "")), events);
  }

  @Test
  void anEventBeingReadAroundTheLineGoesOnUnharmed() throws IOException {
    List<SseReader.Event> events = readAll(
        "event: chunk\nid: 7\ndata: first\nerror: boom\ndata: second\n\n", Set.of("error"));

    assertEquals(List.of(new SseReader.Event("error", "boom", "7"),
        new SseReader.Event("chunk", "first\nsecond", "7")), events);
  }

  @Test
  void theLineIsHeldToTheLineLimit() {
    SseReader reader = new SseReader(new Buffer().writeUtf8("error: " + "x".repeat(64) + "\n\n"),
        32, Set.of("error"));

    SseReader.TooLargeException e = assertThrows(SseReader.TooLargeException.class, reader::next);
    assertEquals(SseReader.TooLargeException.What.LINE, e.what());
  }

  @Test
  void aStandardFieldCannotBeRequested() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SseReader(new Buffer(), 1024, Set.of("error", "data")));
    assertTrue(e.getMessage().contains("data"), e.getMessage());
  }
}
