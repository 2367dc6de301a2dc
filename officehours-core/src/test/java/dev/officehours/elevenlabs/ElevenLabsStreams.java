package dev.officehours.elevenlabs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.Buffer;
import okio.BufferedSink;

/**
 * Responses in the shapes ElevenLabs' streaming endpoint with timestamps documents: one JSON
 * object a line, each with {@code audio_base64}, {@code alignment} and {@code
 * normalized_alignment} ({@code characters}, {@code character_start_times_seconds}, {@code
 * character_end_times_seconds}), times counted from the start of the request's audio.
 */
final class ElevenLabsStreams {
  static final ObjectMapper JSON = new ObjectMapper();

  private ElevenLabsStreams() {}

  /** One character of the alignment and when it is spoken, in seconds. */
  record Char(String c, double start, double end) {}

  /**
   * Characters of {@code text} spoken one after another, {@code perChar} seconds each, from
   * {@code from} seconds: a plausible alignment.
   */
  static List<Char> spoken(String text, double from, double perChar) {
    List<Char> out = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      out.add(new Char(String.valueOf(text.charAt(i)), from + i * perChar, from + (i + 1) * perChar));
    }
    return out;
  }

  /** A message with audio and its alignment (also as the normalized one, as ElevenLabs sends). */
  static ObjectNode message(byte[] audio, List<Char> chars) {
    ObjectNode m = JSON.createObjectNode();
    m.put("audio_base64", Base64.getEncoder().encodeToString(audio));
    if (chars == null) {
      m.putNull("alignment");
      m.putNull("normalized_alignment");
    } else {
      m.set("alignment", alignment(chars));
      m.set("normalized_alignment", alignment(chars));
    }
    return m;
  }

  static ObjectNode alignment(List<Char> chars) {
    ObjectNode a = JSON.createObjectNode();
    ArrayNode cs = a.putArray("characters");
    ArrayNode starts = a.putArray("character_start_times_seconds");
    ArrayNode ends = a.putArray("character_end_times_seconds");
    for (Char c : chars) {
      cs.add(c.c());
      starts.add(c.start());
      ends.add(c.end());
    }
    return a;
  }

  /** The messages as ElevenLabs writes them: one JSON object, then a newline. */
  static String ndjson(List<ObjectNode> messages) {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode m : messages) {
      sb.append(m.toString()).append('\n');
    }
    return sb.toString();
  }

  /** 16-bit PCM whose every byte is {@code value}: frames tell which message they came from. */
  static byte[] pcm(int value, int length) {
    byte[] b = new byte[length];
    java.util.Arrays.fill(b, (byte) value);
    return b;
  }

  static MockResponse ok(String body) {
    return new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body(new Buffer().writeUtf8(body)).build();
  }

  /**
   * {@code body} written in pieces cut at random byte boundaries (seeded), each flushed as its
   * own HTTP chunk, so the client reads a message across many reads and several in one.
   */
  static MockResponse splitAtRandom(String body, long seed) {
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Random random = new Random(seed);
    return chunked(sink -> {
      int at = 0;
      while (at < bytes.length) {
        int n = Math.min(bytes.length - at, 1 + random.nextInt(97));
        sink.write(bytes, at, n).flush();
        at += n;
      }
    });
  }

  /** Writes a body; may flush, wait on latches, and throw to break the connection. */
  @FunctionalInterface
  interface Writer {
    void writeTo(BufferedSink sink) throws IOException;
  }

  /** A chunked body written step by step by {@code writer}; the connection closes after it. */
  static MockResponse chunked(Writer writer) {
    return new MockResponse.Builder()
        .setHeader("Content-Type", "application/json")
        .setHeader("Transfer-Encoding", "chunked")
        .setHeader("Connection", "close")
        .body(new MockResponseBody() {
          @Override
          public long getContentLength() {
            return -1;
          }

          @Override
          public void writeTo(BufferedSink socket) throws IOException {
            BufferedSink chunks = okio.Okio.buffer(new okio.ForwardingSink(socket) {
              @Override
              public void write(Buffer source, long byteCount) throws IOException {
                if (byteCount == 0) {
                  return;
                }
                socket.writeHexadecimalUnsignedLong(byteCount).writeUtf8("\r\n");
                socket.write(source, byteCount);
                socket.writeUtf8("\r\n");
                socket.flush();
              }

              @Override
              public void close() {
                // the socket is MockWebServer's
              }
            });
            writer.writeTo(chunks);
            chunks.flush();
            socket.writeUtf8("0\r\n\r\n").flush();
          }
        })
        .build();
  }
}
