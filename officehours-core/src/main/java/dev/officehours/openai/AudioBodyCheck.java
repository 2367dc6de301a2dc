package dev.officehours.openai;

import dev.officehours.tts.AudioFormat;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import okhttp3.MediaType;
import okio.ByteString;

/**
 * Tells audio from what a server sends instead with a 200: an error as JSON, a proxy's HTML page,
 * or (for raw PCM) a container format because the server ignored {@code response_format}. Played,
 * such a body is noise; cached, it is that sentence's noise for hours.
 *
 * <p>The Content-Type is checked first. OpenAI sends {@code audio/mpeg}, {@code audio/aac}, ...
 * per format, its specification says {@code application/octet-stream}, and compatible servers and
 * proxies label formats loosely (LiteLLM has sent {@code audio/mpeg} whatever the format), so any
 * {@code audio/*} type, {@code application/octet-stream}, {@code application/ogg} and a missing
 * type are accepted; text, JSON, XML and HTML types, and anything else that is not audio, are not.
 *
 * <p>Then the first bytes are sniffed, whatever the type said: a body that opens like JSON
 * ({@code {"} or {@code [}) or markup ({@code <!}, {@code <?}, {@code <tag}) and is clean UTF-8
 * text cannot be audio of any format OpenAI offers (their first bytes are {@code ID3}, {@code
 * 0xFF}, {@code OggS}, {@code RIFF}, {@code fLaC} or samples that are almost never printable
 * text). For {@code pcm} a container's magic bytes are rejected too.
 */
final class AudioBodyCheck {
  /** How many leading bytes are looked at. */
  static final int SNIFF_BYTES = 64;

  private AudioBodyCheck() {}

  /**
   * Why a response with this Content-Type cannot hold the requested audio.
   *
   * @param contentType the header's value, or {@code null} when none was sent
   * @return the reason, or {@code null} when the type is acceptable
   */
  static String rejectType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null;
    }
    MediaType parsed = MediaType.parse(contentType.trim());
    if (parsed == null) {
      // Unreadable: no better than a missing type; the sniffing below still looks at the bytes.
      return null;
    }
    String type = parsed.type().toLowerCase(Locale.ROOT);
    String subtype = parsed.subtype().toLowerCase(Locale.ROOT);
    String shown = type + "/" + subtype;
    if (type.equals("text") || subtype.contains("json") || subtype.contains("xml")
        || subtype.contains("html")) {
      return "the server answered with " + shown + ", not audio";
    }
    if (type.equals("audio") || subtype.equals("octet-stream") || shown.equals("application/ogg")) {
      return null;
    }
    return "the server answered with " + shown + ", which is not audio";
  }

  /**
   * Why a body starting with these bytes is not audio of the requested format.
   *
   * @param head the first bytes of the body (up to {@link #SNIFF_BYTES}, fewer when it is shorter)
   * @param encoding the requested format
   * @return the reason, or {@code null} when the bytes may be audio
   */
  static String rejectStart(ByteString head, AudioFormat.Encoding encoding) {
    if (looksLikeText(head)) {
      return "the server answered with text (" + (head.size() > 0 && firstNonSpace(head) == '<'
          ? "markup" : "JSON") + "), not audio";
    }
    if (encoding == AudioFormat.Encoding.PCM_S16LE) {
      String container = container(head);
      if (container != null) {
        return "the server answered with " + container + " audio, not raw pcm (does it support"
            + " response_format pcm?)";
      }
    }
    return null;
  }

  private static String container(ByteString head) {
    if (head.size() >= 12 && head.rangeEquals(0, ByteString.encodeUtf8("RIFF"), 0, 4)
        && head.rangeEquals(8, ByteString.encodeUtf8("WAVE"), 0, 4)) {
      return "WAV";
    }
    if (head.startsWith(ByteString.encodeUtf8("OggS"))) {
      return "Ogg";
    }
    if (head.startsWith(ByteString.encodeUtf8("fLaC"))) {
      return "FLAC";
    }
    // ID3v2 tag of an MP3: "ID3", a major version 2..4, then a revision below 0xFF.
    if (head.size() >= 5 && head.startsWith(ByteString.encodeUtf8("ID3"))
        && head.getByte(3) >= 2 && head.getByte(3) <= 4 && head.getByte(4) != (byte) 0xFF) {
      return "MP3";
    }
    return null;
  }

  private static int firstNonSpace(ByteString head) {
    for (int i = start(head); i < head.size(); i++) {
      byte b = head.getByte(i);
      if (!isSpace(b)) {
        return b;
      }
    }
    return -1;
  }

  private static boolean looksLikeText(ByteString head) {
    int i = start(head);
    while (i < head.size() && isSpace(head.getByte(i))) {
      i++;
    }
    if (i + 1 >= head.size()) {
      return false;
    }
    byte open = head.getByte(i);
    int j = i + 1;
    if (open != '<') {
      while (j < head.size() && isSpace(head.getByte(j))) {
        j++;
      }
      if (j >= head.size()) {
        return false;
      }
    }
    byte next = head.getByte(j);
    boolean opening;
    switch (open) {
      case '{':
        opening = next == '"' || next == '}';
        break;
      case '[':
        opening = next == '{' || next == '[' || next == '"' || next == ']' || next == '-'
            || (next >= '0' && next <= '9') || next == 't' || next == 'f' || next == 'n';
        break;
      case '<':
        opening = next == '!' || next == '?' || next == '/'
            || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z');
        break;
      default:
        opening = false;
    }
    return opening && isCleanText(head);
  }

  /** Skips a UTF-8 byte order mark. */
  private static int start(ByteString head) {
    return head.size() >= 3 && head.getByte(0) == (byte) 0xEF && head.getByte(1) == (byte) 0xBB
        && head.getByte(2) == (byte) 0xBF ? 3 : 0;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }

  /** No control characters but tab and line ends, and valid UTF-8 (but for a cut last char). */
  private static boolean isCleanText(ByteString head) {
    for (int i = 0; i < head.size(); i++) {
      byte b = head.getByte(i);
      if ((b >= 0 && b < 0x20 && !isSpace(b)) || b == 0x7F) {
        return false;
      }
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    // endOfInput false: a multi-byte character cut by the window's end is not an error. UTF-8
    // never decodes to more chars than it has bytes, so the output cannot overflow.
    CoderResult result = decoder.decode(head.asByteBuffer(), CharBuffer.allocate(head.size()),
        false);
    return !result.isError();
  }
}
