package dev.officehours.elevenlabs;

import java.io.IOException;
import java.net.ProtocolException;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Cuts a response body into its top-level JSON objects: ElevenLabs writes one per line, but the
 * reader does not rely on line breaks (an object may span lines, two may share one), only on
 * braces outside strings. Bounded: an object longer than the limit fails without reading further
 * than the limit, so a server that never closes a brace costs at most the limit in memory.
 */
final class MessageReader {
  /** An object was longer than the limit; nothing more can be read. */
  static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(long limit) {
      super("a message of the stream is longer than " + limit + " bytes");
    }
  }

  private final BufferedSource source;
  private final long maxBytes;

  MessageReader(BufferedSource source, long maxBytes) {
    this.source = source;
    this.maxBytes = maxBytes;
  }

  /**
   * The next object, as UTF-8 bytes.
   *
   * @return the object, or {@code null} at the end of the body
   * @throws TooLargeException when the object passes the limit
   * @throws ProtocolException when the body holds something other than JSON objects, or ends
   *     inside one
   */
  byte[] next() throws IOException {
    Buffer buffer = source.getBuffer();
    while (true) {
      if (!source.request(1)) {
        return null;
      }
      byte b = buffer.getByte(0);
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        buffer.skip(1);
        continue;
      }
      if (b != '{') {
        throw new ProtocolException("expected a JSON object in the stream but found "
            + (b == '<' ? "markup (an HTML page?)" : "the byte 0x" + Integer.toHexString(b & 0xff)));
      }
      break;
    }
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    long i = 0;
    while (true) {
      if (i >= maxBytes) {
        throw new TooLargeException(maxBytes);
      }
      if (i >= buffer.size() && !source.request(i + 1)) {
        throw new ProtocolException("the stream ended inside a message");
      }
      byte c = buffer.getByte(i++);
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return buffer.readByteArray(i);
      }
    }
  }
}
