package dev.officehours.examples.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads and checks what clients send: every rule here answers with a specific {@link ApiException}
 * before anything reaches the pipeline or history.
 */
final class ChatRequests {
  static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern TURN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Pattern DATA_URL = Pattern.compile("data:image/(jpeg|jpg|png|gif|webp);base64,",
      Pattern.CASE_INSENSITIVE);
  private static final long MAX_PLAYED_MS = 3_600_000;

  private final ObjectMapper json;
  private final int maxTextChars;
  private final int maxImageBytes;

  /** A question: the session, the text and an optional image (decoded, checked to be a picture). */
  record Start(String session, String text, byte[] image) {}

  /** A barge-in on a turn, with how much of it was heard. */
  record Interrupt(String turnId, int chunkIndex, long playedMs) {}

  /** What a client measured for one turn. */
  record ClientReport(String turnId, double speechEndToFirstAudioMs, long underruns) {}

  ChatRequests(ObjectMapper json, int maxTextChars, int maxImageBytes) {
    this.json = json;
    this.maxTextChars = maxTextChars;
    this.maxImageBytes = maxImageBytes;
  }

  /** Parses a JSON object, or says why it is not one. */
  JsonNode object(String text) {
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "bad_json", "the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new ApiException(400, "bad_json", "the body must be a JSON object");
    }
    return node;
  }

  Start start(JsonNode m, String defaultSession) {
    String session = optionalString(m, "session");
    if (session == null) {
      session = defaultSession;
    }
    if (session == null) {
      throw ApiException.badField("session", "missing_field",
          "session is required (or connect with ?session=...)");
    }
    String text = requiredString(m, "text");
    if (text.isBlank()) {
      throw ApiException.badField("text", "empty_text", "text must not be empty");
    }
    if (text.length() > maxTextChars) {
      throw new ApiException(413, "text_too_long",
          "text must be at most " + maxTextChars + " characters but was " + text.length(), "text", -1);
    }
    String image = optionalString(m, "image");
    return new Start(session(session), text, image == null ? null : image(image));
  }

  /** A session id from a path or a message, checked. */
  static String session(String session) {
    if (!SESSION_ID.matcher(session).matches()) {
      throw ApiException.badField("session", "bad_session",
          "session must match [A-Za-z0-9._:-]{1,128}" + (session.length() > 128 ? " (it has " + session.length()
              + " characters)" : ""));
    }
    return session;
  }

  private byte[] image(String dataUrl) {
    var prefix = DATA_URL.matcher(dataUrl);
    if (!prefix.lookingAt()) {
      throw new ApiException(415, "bad_image",
          "image must be a data URL of a JPEG, PNG, GIF or WebP picture: data:image/jpeg;base64,...", "image", -1);
    }
    int encoded = dataUrl.length() - prefix.end();
    long decodedEstimate = (long) encoded * 3 / 4;
    if (decodedEstimate > maxImageBytes + 2L) {
      throw new ApiException(413, "image_too_large",
          "image must be at most " + maxImageBytes + " bytes but was about " + decodedEstimate, "image", -1);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(dataUrl.substring(prefix.end()));
    } catch (IllegalArgumentException e) {
      throw new ApiException(415, "bad_image", "image is not valid base64", "image", -1);
    }
    if (bytes.length > maxImageBytes) {
      throw new ApiException(413, "image_too_large",
          "image must be at most " + maxImageBytes + " bytes but was " + bytes.length, "image", -1);
    }
    if (!looksLikePicture(bytes)) {
      throw new ApiException(415, "bad_image", "image is not a JPEG, PNG, GIF or WebP picture", "image", -1);
    }
    return bytes;
  }

  private static boolean looksLikePicture(byte[] b) {
    return startsWith(b, 0xFF, 0xD8, 0xFF) // JPEG
        || startsWith(b, 0x89, 'P', 'N', 'G') // PNG
        || startsWith(b, 'G', 'I', 'F', '8') // GIF
        || (startsWith(b, 'R', 'I', 'F', 'F') && b.length > 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B'
            && b[11] == 'P');
  }

  private static boolean startsWith(byte[] b, int... prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((b[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  Interrupt interrupt(JsonNode m) {
    String turnId = turnId(m);
    int chunk = (int) requiredLong(m, "chunkIndex", -1, Integer.MAX_VALUE);
    long played = m.has("playedMs") ? requiredLong(m, "playedMs", 0, MAX_PLAYED_MS) : 0;
    return new Interrupt(turnId, chunk, played);
  }

  /** The optional id a client gives a {@code start}, echoed in its answer: {@code [A-Za-z0-9._:-]{1,64}}. */
  String requestId(JsonNode m) {
    String id = optionalString(m, "requestId");
    if (id != null && !TURN_ID.matcher(id).matches()) {
      throw ApiException.badField("requestId", "bad_field", "requestId must match [A-Za-z0-9._:-]{1,64}");
    }
    return id;
  }

  String turnId(JsonNode m) {
    String turnId = requiredString(m, "turnId");
    if (!TURN_ID.matcher(turnId).matches()) {
      throw ApiException.badField("turnId", "bad_field", "turnId must match [A-Za-z0-9._:-]{1,64}");
    }
    return turnId;
  }

  ClientReport clientReport(JsonNode m) {
    String turnId = optionalString(m, "turnId");
    if (turnId != null && !TURN_ID.matcher(turnId).matches()) {
      throw ApiException.badField("turnId", "bad_field", "turnId must match [A-Za-z0-9._:-]{1,64}");
    }
    double latency = requiredNumber(m, "speechEndToFirstAudioMs", 0, 600_000);
    long underruns = m.has("underruns") ? requiredLong(m, "underruns", 0, 1_000_000) : 0;
    return new ClientReport(turnId, latency, underruns);
  }

  static String type(JsonNode m) {
    return requiredString(m, "type");
  }

  private static String requiredString(JsonNode m, String field) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.badField(field, "missing_field", field + " is required");
    }
    if (!v.isTextual()) {
      throw ApiException.badField(field, "bad_field", field + " must be a string but was " + kind(v));
    }
    return v.textValue();
  }

  private static String optionalString(JsonNode m, String field) {
    JsonNode v = m.get(field);
    return v == null || v.isNull() ? null : requiredString(m, field);
  }

  private static long requiredLong(JsonNode m, String field, long min, long max) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.badField(field, "missing_field", field + " is required");
    }
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw ApiException.badField(field, "bad_field", field + " must be a whole number but was " + kind(v));
    }
    double d = v.asDouble();
    if (d < min || d > max) {
      throw ApiException.badField(field, "bad_field",
          field + " must be from " + min + " to " + max + " but was " + v.asText());
    }
    return v.asLong();
  }

  private static double requiredNumber(JsonNode m, String field, double min, double max) {
    JsonNode v = m.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.badField(field, "missing_field", field + " is required");
    }
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw ApiException.badField(field, "bad_field", field + " must be a number but was " + kind(v));
    }
    double d = v.asDouble();
    if (d < min || d > max) {
      throw ApiException.badField(field, "bad_field",
          field + " must be from " + (long) min + " to " + (long) max + " but was " + v.asText());
    }
    return d;
  }

  private static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
