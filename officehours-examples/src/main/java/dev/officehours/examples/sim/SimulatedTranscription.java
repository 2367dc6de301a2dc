package dev.officehours.examples.sim;

import dev.officehours.examples.audio.Wav;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated server's {@code POST /v1/audio/transcriptions}: OpenAI's multipart request
 * ({@code file}, {@code model}, optional {@code language} and {@code response_format}), answered
 * without any recogniser, deterministically:
 *
 * <ul>
 *   <li>a WAV that carries a label in its {@code LIST/INFO/ICMT} chunk (written by our own tooling,
 *       {@link Wav#labelled}) is "heard" as that label, word for word;
 *   <li>any other WAV as {@value #UNLABELLED_WAV}, with its duration read from its header;
 *   <li>any other audio as {@value #OTHER_AUDIO}.
 * </ul>
 *
 * <p>The response is {@code {"text": ..., "simulated": true}}, plus {@code "language"} when the
 * request named one and {@code "duration"} (seconds) for a WAV. It never listens to the audio.
 */
final class SimulatedTranscription {
  /** The transcript of a WAV without a label; {@code %.1f} is its duration in seconds. */
  static final String UNLABELLED_WAV = "This is a simulated transcript of %.1f seconds of audio.";
  /** The transcript of audio that is not WAV. */
  static final String OTHER_AUDIO = "This is a simulated transcript.";

  private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
  private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

  private SimulatedTranscription() {}

  /** An HTTP answer: status and JSON body. */
  record Answer(int status, String json) {}

  static Answer transcribe(String contentType, byte[] body) {
    Matcher m = BOUNDARY.matcher(contentType == null ? "" : contentType);
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || !m.find()) {
      return error("Content-Type must be multipart/form-data with a boundary.", "invalid_content_type");
    }
    Map<String, byte[]> parts = parts(body, m.group(1));
    byte[] file = parts.get("file");
    if (file == null || file.length == 0) {
      return error("The request has no 'file' part with audio.", "missing_file");
    }
    if (!parts.containsKey("model")) {
      return error("The request has no 'model' part.", "missing_model");
    }
    String language = text(parts.get("language"));
    Optional<Wav.Info> wav = Wav.read(file);
    String text = wav.map(w -> w.label().isEmpty()
            ? String.format(Locale.ROOT, UNLABELLED_WAV, w.seconds()) : w.label())
        .orElse(OTHER_AUDIO);
    StringBuilder json = new StringBuilder("{\"text\":").append(Json.quote(text));
    if (!language.isEmpty()) {
      json.append(",\"language\":").append(Json.quote(language));
    }
    wav.ifPresent(w -> json.append(",\"duration\":").append(String.format(Locale.ROOT, "%.3f", w.seconds())));
    return new Answer(200, json.append(",\"simulated\":true}").toString());
  }

  private static Answer error(String message, String code) {
    return new Answer(400, "{\"error\":{\"message\":" + Json.quote(message)
        + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":" + Json.quote(code) + "}}");
  }

  private static String text(byte[] part) {
    return part == null ? "" : new String(part, StandardCharsets.UTF_8).strip();
  }

  /** The form's parts by name: each part's bytes between its blank line and the next delimiter. */
  static Map<String, byte[]> parts(byte[] body, String boundary) {
    Map<String, byte[]> parts = new LinkedHashMap<>();
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int at = indexOf(body, delimiter, 0);
    while (at >= 0) {
      int start = at + delimiter.length;
      if (start + 2 <= body.length && body[start] == '-' && body[start + 1] == '-') {
        break; // the closing delimiter
      }
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), start);
      int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), start);
      if (headersEnd < 0 || next < 0 || headersEnd > next) {
        break;
      }
      String headers = new String(body, start, headersEnd - start, StandardCharsets.ISO_8859_1);
      Matcher name = NAME.matcher(headers);
      if (name.find()) {
        byte[] content = java.util.Arrays.copyOfRange(body, headersEnd + 4, next);
        parts.putIfAbsent(name.group(1), content);
      }
      at = next + 2;
    }
    return parts;
  }

  private static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
