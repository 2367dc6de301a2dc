package dev.officehours.internal;

import java.io.IOException;
import java.util.Optional;
import okio.BufferedSource;
import okio.ByteString;

/**
 * Reads server-sent events incrementally from a stream, as the WHATWG HTML specification
 * ("Interpreting an event stream") says: lines end with CRLF, LF or a lone CR; lines starting with
 * a colon are comments; {@code data} fields accumulate joined by newlines; an event is dispatched
 * on a blank line and only when it has data; an unterminated event at the end of the stream is
 * discarded. {@code event} and {@code id} are kept for the caller, {@code retry} and unknown fields
 * are ignored.
 *
 * <p>Each {@link #next()} blocks only until the next complete event has arrived, so tokens are
 * handed on as soon as the server flushes them. Not thread-safe.
 */
public final class SseReader {
  private static final ByteString LINE_ENDS = ByteString.encodeUtf8("\r\n");
  private static final ByteString BOM = ByteString.decodeHex("efbbbf");

  /**
   * One dispatched event.
   *
   * @param type the {@code event} field, {@code message} when none was sent
   * @param data the {@code data} lines joined with {@code \n}
   * @param id the last {@code id} field seen, empty when none
   */
  public record Event(String type, String data, String id) {}

  private final BufferedSource source;
  private boolean started;
  private boolean afterCr;
  private String lastId = "";

  /** @param source the response body, read as it arrives */
  public SseReader(BufferedSource source) {
    this.source = source;
  }

  /**
   * The next event, or empty at the end of the stream.
   *
   * @throws IOException when reading fails
   */
  public Optional<Event> next() throws IOException {
    if (!started) {
      started = true;
      if (source.request(1) && source.getBuffer().getByte(0) == (byte) 0xEF
          && source.rangeEquals(0, BOM)) {
        source.skip(BOM.size());
      }
    }
    StringBuilder data = null;
    String type = null;
    while (true) {
      String line = readLine();
      if (line == null) {
        return Optional.empty();
      }
      if (line.isEmpty()) {
        if (data != null) {
          return Optional.of(new Event(type == null || type.isEmpty() ? "message" : type,
              data.toString(), lastId));
        }
        type = null;
        continue;
      }
      if (line.charAt(0) == ':') {
        continue;
      }
      int colon = line.indexOf(':');
      String field;
      String value;
      if (colon < 0) {
        field = line;
        value = "";
      } else {
        field = line.substring(0, colon);
        int start = colon + 1;
        if (start < line.length() && line.charAt(start) == ' ') {
          start++;
        }
        value = line.substring(start);
      }
      switch (field) {
        case "data":
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
          break;
        case "event":
          type = value;
          break;
        case "id":
          if (value.indexOf('\0') < 0) {
            lastId = value;
          }
          break;
        default:
          // "retry" and unknown fields are ignored, as the specification says.
          break;
      }
    }
  }

  /** The next line without its terminator, or {@code null} at the end of the stream. */
  private String readLine() throws IOException {
    if (afterCr) {
      // A CR may be the first half of CRLF; look at the next byte only when a line is wanted, so
      // a stream that ends its lines with lone CRs is not held back waiting for one more byte.
      afterCr = false;
      if (!source.request(1)) {
        return null;
      }
      if (source.getBuffer().getByte(0) == '\n') {
        source.skip(1);
      }
    }
    long end = source.indexOfElement(LINE_ENDS);
    if (end < 0) {
      return null;
    }
    String line = source.readUtf8(end);
    byte terminator = source.readByte();
    afterCr = terminator == '\r';
    return line;
  }
}
