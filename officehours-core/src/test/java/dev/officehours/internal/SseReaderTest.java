package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
import okio.Pipe;
import okio.Source;
import okio.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseReaderTest {

  private static List<SseReader.Event> readAll(String stream) throws IOException {
    SseReader reader = new SseReader(new Buffer().writeUtf8(stream));
    List<SseReader.Event> events = new ArrayList<>();
    for (Optional<SseReader.Event> e = reader.next(); e.isPresent(); e = reader.next()) {
      events.add(e.get());
    }
    return events;
  }

  private static List<String> data(String stream) throws IOException {
    List<String> out = new ArrayList<>();
    for (SseReader.Event e : readAll(stream)) {
      out.add(e.data());
    }
    return out;
  }

  @ParameterizedTest(name = "line end {0}")
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void everyLineEndingOfTheSpecIsAccepted(String eol) throws IOException {
    String stream = "data: one" + eol + eol + "data: two" + eol + "data: lines" + eol + eol
        + "data: [DONE]" + eol + eol;
    assertEquals(List.of("one", "two\nlines", "[DONE]"), data(stream));
  }

  @Test
  void mixedLineEndingsInOneStream() throws IOException {
    assertEquals(List.of("a", "b", "c"), data("data: a\r\n\r\ndata: b\r\rdata: c\n\n"));
  }

  @Test
  void commentLinesAreIgnored() throws IOException {
    assertEquals(List.of("x"), data(": keep-alive\n\n: OPENROUTER PROCESSING\ndata: x\n\n"));
  }

  @Test
  void multiLineDataIsJoinedWithNewlines() throws IOException {
    assertEquals(List.of("{\"a\":\n1}"), data("data: {\"a\":\ndata: 1}\n\n"));
  }

  @Test
  void eventAndIdFieldsAreKeptAndRetryAndUnknownFieldsIgnored() throws IOException {
    List<SseReader.Event> events =
        readAll("event: delta\nid: 7\nretry: 1000\nfoo: bar\ndata: x\n\ndata: y\n\n");
    assertEquals(new SseReader.Event("delta", "x", "7"), events.get(0));
    // id persists across events; the type resets to "message".
    assertEquals(new SseReader.Event("message", "y", "7"), events.get(1));
  }

  @Test
  void valueWithoutSpaceAfterColonAndFieldWithoutColon() throws IOException {
    assertEquals(List.of("x", ""), data("data:x\n\ndata\n\n"));
    // Only one leading space is removed.
    assertEquals(List.of(" padded"), data("data:  padded\n\n"));
  }

  @Test
  void anEventWithoutDataIsNotDispatched() throws IOException {
    assertEquals(List.of("x"), data("event: ping\n\nid: 3\n\ndata: x\n\n"));
  }

  @Test
  void anUnterminatedEventAtTheEndIsDiscarded() throws IOException {
    assertEquals(List.of("whole"), data("data: whole\n\ndata: cut"));
    assertEquals(List.of("whole"), data("data: whole\n\ndata: cut\n"));
  }

  @Test
  void leadingByteOrderMarkIsSkipped() throws IOException {
    assertEquals(List.of("x"), data("\uFEFFdata: x\n\n"));
  }

  @Test
  void utf8SplitAcrossNothingSpecial() throws IOException {
    assertEquals(List.of("héllo 👋"), data("data: héllo 👋\n\n"));
  }

  @Test
  void anEventIsReturnedBeforeTheStreamEndsEvenWithLoneCrLineEnds() throws Exception {
    Pipe pipe = new Pipe(1024);
    BufferedSink writer = Okio.buffer(pipe.sink());
    SseReader reader = new SseReader(Okio.buffer(pipe.source()));

    writer.writeUtf8("data: first\r\r").flush();
    // The stream is still open: the reader must not wait for a byte after the last CR.
    assertEquals("first", reader.next().orElseThrow().data());

    writer.writeUtf8("\ndata: second\r\n\r\n").flush();
    assertEquals("second", reader.next().orElseThrow().data());
    writer.close();
    assertTrue(reader.next().isEmpty());
  }

  // ---------------------------------------------------------------- limits

  /** An endless stream of one byte, no line end ever, counting what was read from it. */
  private static final class EndlessLine implements Source {
    private final byte[] prefix;
    long read;

    EndlessLine(String prefix) {
      this.prefix = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public long read(Buffer sink, long byteCount) {
      long n = Math.min(byteCount, 4096);
      for (long i = 0; i < n; i++, read++) {
        sink.writeByte(read < prefix.length ? prefix[(int) read] : 'x');
      }
      return n;
    }

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {}
  }

  @Test
  void aLineWithoutEndFailsOnceItPassesTheLimitWithoutReadingMuchFurther() {
    EndlessLine endless = new EndlessLine("data: ");
    SseReader reader = new SseReader(Okio.buffer(endless), 64 * 1024);

    SseReader.TooLargeException e = assertThrows(SseReader.TooLargeException.class, reader::next);
    assertEquals(SseReader.TooLargeException.What.LINE, e.what());
    assertEquals(64 * 1024, e.limit());
    assertTrue(e.getMessage().contains("65536"), e.getMessage());
    // At most the limit plus one read of the buffered source (8 KiB) was taken from the socket.
    assertTrue(endless.read <= 64 * 1024 + 8192 + 1, "read " + endless.read + " bytes");
  }

  @Test
  void aCommentLineCountsAgainstTheLineLimitToo() {
    SseReader reader = new SseReader(Okio.buffer(new EndlessLine(": ")), 1024);
    assertEquals(SseReader.TooLargeException.What.LINE,
        assertThrows(SseReader.TooLargeException.class, reader::next).what());
  }

  @Test
  void aLineOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot() throws IOException {
    String atLimit = "data: " + "y".repeat(100 - 6);
    SseReader ok = new SseReader(new Buffer().writeUtf8(atLimit + "\n\n"), 100);
    assertEquals(94, ok.next().orElseThrow().data().length());

    SseReader tooLong = new SseReader(new Buffer().writeUtf8(atLimit + "y\n\n"), 100);
    assertEquals(SseReader.TooLargeException.What.LINE,
        assertThrows(SseReader.TooLargeException.class, tooLong::next).what());
  }

  @Test
  void theLimitCountsBytesOfUtf8NotCharacters() {
    // 66 characters (UTF-16 units), 126 bytes.
    SseReader reader = new SseReader(new Buffer().writeUtf8("data: " + "👋".repeat(30) + "\n\n"),
        100);
    assertThrows(SseReader.TooLargeException.class, reader::next);
  }

  @Test
  void anEventWhoseDataLinesTogetherPassTheLimitFails() throws IOException {
    StringBuilder stream = new StringBuilder("data: first\n\n");
    for (int i = 0; i < 20; i++) {
      stream.append("data: ").append("z".repeat(30)).append('\n');
    }
    stream.append('\n');
    SseReader reader = new SseReader(new Buffer().writeUtf8(stream.toString()), 200);

    assertEquals("first", reader.next().orElseThrow().data());
    SseReader.TooLargeException e = assertThrows(SseReader.TooLargeException.class, reader::next);
    assertEquals(SseReader.TooLargeException.What.EVENT, e.what());
  }

  @Test
  void manySmallEventsNeverAddUpAgainstTheLimit() throws IOException {
    StringBuilder stream = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      stream.append("data: ").append("e".repeat(50)).append("\n\n");
    }
    assertEquals(1000, data(stream.toString()).size());
    SseReader reader = new SseReader(new Buffer().writeUtf8(stream.toString()), 100);
    int events = 0;
    while (reader.next().isPresent()) {
      events++;
    }
    assertEquals(1000, events);
  }

  @Test
  void theLimitMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SseReader(new Buffer(), 0));
    assertTrue(e.getMessage().contains("maxEventBytes"), e.getMessage());
  }
}
