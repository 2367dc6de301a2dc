package dev.officehours.internal;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import okio.Buffer;
import okio.BufferedSource;
import okio.ByteString;

/**
 * Reads server-sent events incrementally from a stream, as the WHATWG HTML specification
 * ("Interpreting an event stream") says: lines end with CRLF, LF or a lone CR; lines starting with
 * a colon are comments; {@code data} fields accumulate joined by newlines; an event is dispatched
 * on a blank line and only when it has data; an unterminated event at the end of the stream is
 * discarded. {@code event} and {@code id} are kept for the caller, {@code retry} and unknown fields
 * are ignored (unless the caller asks for some non-standard fields, see
 * {@link #SseReader(BufferedSource, long, Set)}).
 *
 * <p>Each {@link #next()} blocks only until the next complete event has arrived, so tokens are
 * handed on as soon as the server flushes them. Not thread-safe.
 *
 * <p>Bounded: a line longer than the limit, or an event whose {@code data} lines together exceed
 * it, ends the stream with {@link TooLargeException}. The search for a line end never looks
 * further than the limit, so a server that sends bytes without a newline costs at most the limit
 * plus one read (8 KiB) of memory, not whatever it manages to send.
 */
public final class SseReader {
  /** The default limit on one line and on the data of one event: 1 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

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

  /** A line or an event was larger than the reader's limit; nothing more can be read. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was too large: a single line, or the data of one event. */
    public enum What {
      /** One line (of any field, or a comment) had no end within the limit. */
      LINE,
      /** The {@code data} lines of one event together exceeded the limit. */
      EVENT
    }

    private final What what;
    private final long limit;

    TooLargeException(What what, long limit) {
      super(what == What.LINE
          ? "server-sent event line longer than " + limit + " bytes"
          : "server-sent event data longer than " + limit + " bytes");
      this.what = what;
      this.limit = limit;
    }

    /** @return whether a line or an event's data was too large */
    public What what() {
      return what;
    }

    /** @return the limit that was exceeded, in bytes */
    public long limit() {
      return limit;
    }
  }

  private final BufferedSource source;
  private final long maxEventBytes;
  private final Set<String> fieldsAsEvents;
  private boolean started;
  private boolean afterCr;
  private String lastId = "";
  // The event being read: kept across next() calls, since a non-standard field line may be
  // dispatched in the middle of one.
  private StringBuilder data;
  private long dataBytes;
  private String type;

  /**
   * A reader with the default limit of {@link #DEFAULT_MAX_EVENT_BYTES}.
   *
   * @param source the response body, read as it arrives
   */
  public SseReader(BufferedSource source) {
    this(source, DEFAULT_MAX_EVENT_BYTES);
  }

  /**
   * @param source the response body, read as it arrives
   * @param maxEventBytes the longest line, and the most {@code data} one event may carry, in
   *     bytes of UTF-8; at least 1
   */
  public SseReader(BufferedSource source, long maxEventBytes) {
    this(source, maxEventBytes, Set.of());
  }

  /**
   * A reader that also reports some non-standard fields, which the specification would ignore:
   * a line {@code name: value} of one of {@code fieldsAsEvents} is dispatched at once as an event
   * of type {@code name} with {@code value} as its data (llama.cpp's server has written its errors
   * as {@code error: {json}} lines). An event being read around such a line goes on unharmed.
   *
   * @param source the response body, read as it arrives
   * @param maxEventBytes the longest line, and the most {@code data} one event may carry, in
   *     bytes of UTF-8; at least 1
   * @param fieldsAsEvents names of the non-standard fields to report; not {@code data},
   *     {@code event}, {@code id} or {@code retry}
   */
  public SseReader(BufferedSource source, long maxEventBytes, Set<String> fieldsAsEvents) {
    if (maxEventBytes < 1) {
      throw new IllegalArgumentException("maxEventBytes must be at least 1 but was "
          + maxEventBytes);
    }
    for (String standard : List.of("data", "event", "id", "retry")) {
      if (fieldsAsEvents.contains(standard)) {
        throw new IllegalArgumentException("fieldsAsEvents must not name the standard field "
            + standard);
      }
    }
    this.source = source;
    this.maxEventBytes = maxEventBytes;
    this.fieldsAsEvents = Set.copyOf(fieldsAsEvents);
  }

  /**
   * The next event, or empty at the end of the stream.
   *
   * @return the event, or empty when the stream ended
   * @throws TooLargeException when a line or an event's data is longer than the limit
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
    while (true) {
      long length = nextLineLength();
      if (length < 0) {
        return Optional.empty();
      }
      String line = readLine(length);
      if (line.isEmpty()) {
        StringBuilder dispatched = data;
        String dispatchedType = type;
        data = null;
        dataBytes = 0;
        type = null;
        if (dispatched != null) {
          return Optional.of(new Event(
              dispatchedType == null || dispatchedType.isEmpty() ? "message" : dispatchedType,
              dispatched.toString(), lastId));
        }
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
          // Counted by the line's bytes (field name included): cheap, and close enough for a
          // limit whose purpose is to bound memory.
          dataBytes += length + 1;
          if (dataBytes > maxEventBytes + 1) {
            throw new TooLargeException(TooLargeException.What.EVENT, maxEventBytes);
          }
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
          if (fieldsAsEvents.contains(field)) {
            return Optional.of(new Event(field, value, lastId));
          }
          // "retry" and unknown fields are ignored, as the specification says.
          break;
      }
    }
  }

  /**
   * The length in bytes of the next line, without its terminator, once the whole line is
   * buffered; -1 at the end of the stream (an unterminated last line is discarded).
   */
  private long nextLineLength() throws IOException {
    if (afterCr) {
      // A CR may be the first half of CRLF; look at the next byte only when a line is wanted, so
      // a stream that ends its lines with lone CRs is not held back waiting for one more byte.
      afterCr = false;
      if (!source.request(1)) {
        return -1;
      }
      if (source.getBuffer().getByte(0) == '\n') {
        source.skip(1);
      }
    }
    Buffer buffer = source.getBuffer();
    long scanned = 0;
    while (true) {
      // Searches only what is buffered, never asks the source for more: the source's own
      // indexOfElement would keep reading until it found a line end, however far away.
      long end = buffer.indexOfElement(LINE_ENDS, scanned);
      if (end >= 0) {
        if (end > maxEventBytes) {
          throw new TooLargeException(TooLargeException.What.LINE, maxEventBytes);
        }
        return end;
      }
      scanned = buffer.size();
      if (scanned > maxEventBytes) {
        throw new TooLargeException(TooLargeException.What.LINE, maxEventBytes);
      }
      if (!source.request(scanned + 1)) {
        return -1;
      }
    }
  }

  private String readLine(long length) throws IOException {
    String line = source.readUtf8(length);
    byte terminator = source.readByte();
    afterCr = terminator == '\r';
    return line;
  }
}
