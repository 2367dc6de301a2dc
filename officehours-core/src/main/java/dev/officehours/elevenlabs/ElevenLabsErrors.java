package dev.officehours.elevenlabs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import java.util.List;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/** Turns what ElevenLabs or the network did wrong into a ProviderException of stage TTS. */
final class ElevenLabsErrors {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SUMMARY = "ElevenLabs speech synthesis failed";

  /** Error bodies are short; a server that sends megabytes gets cut here. */
  private static final long MAX_ERROR_BODY = 16 * 1024;
  private static final int MAX_MESSAGE_CHARS = 1000;
  private static final int MAX_FIELD_CHARS = 200;

  private ElevenLabsErrors() {}

  /** The fields of an ElevenLabs error: its {@code status} (a code such as invalid_api_key). */
  record Details(String message, String status, String type) {}

  /** Maps an unsuccessful HTTP response, reading at most 16 KiB of its body. */
  static ProviderException fromResponse(Response response, List<String> secrets) {
    Details d = parseBody(readBody(response.body()), secrets);
    int status = response.code();
    return ProviderException.builder(Stage.TTS, SUMMARY)
        .status(status)
        .errorType(d.type())
        .errorCode(d.status())
        .providerMessage(d.message())
        .retryable(RetryPolicy.isRetryableStatus(status))
        .retryAfter(retryAfter(response, Instant.now()))
        .build();
  }

  /** Maps an error sent inside a successful stream, where audio was expected. */
  static ProviderException fromStreamPayload(JsonNode root, boolean outputDelivered,
      List<String> secrets) {
    Details d = parse(root, secrets);
    String kind = ((d.status() == null ? "" : d.status()) + " " + (d.type() == null ? "" : d.type()))
        .toLowerCase(Locale.ROOT);
    boolean transientKind = kind.contains("busy") || kind.contains("too_many")
        || kind.contains("rate_limit") || kind.contains("server_error")
        || kind.contains("unavailable") || kind.contains("timeout");
    return ProviderException.builder(Stage.TTS, SUMMARY + " (error in stream)")
        .errorType(d.type())
        .errorCode(d.status())
        .providerMessage(d.message())
        .retryable(!outputDelivered && transientKind)
        .build();
  }

  /** A response that broke the stream's format: not retryable, nothing more is read. */
  static ProviderException malformed(String why) {
    return ProviderException.builder(Stage.TTS, SUMMARY + ": " + why).retryable(false).build();
  }

  /**
   * Maps a network failure.
   *
   * @param outputDelivered whether audio already reached the caller: then not retryable
   * @param deadlinePassed whether the call's deadline is over: not retryable either
   */
  static ProviderException fromIo(IOException e, boolean outputDelivered, boolean deadlinePassed) {
    String what;
    if (deadlinePassed) {
      what = SUMMARY + ": deadline exceeded";
    } else if (e instanceof UnknownHostException) {
      what = SUMMARY + ": unknown host";
    } else if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      what = SUMMARY + ": could not connect";
    } else if (e instanceof InterruptedIOException) {
      what = SUMMARY + ": timed out";
    } else {
      what = SUMMARY + ": connection failed";
    }
    return ProviderException.builder(Stage.TTS, what)
        .retryable(!outputDelivered && !deadlinePassed)
        .cause(e)
        .build();
  }

  static String readBody(ResponseBody body) {
    if (body == null) {
      return "";
    }
    try {
      BufferedSource source = body.source();
      source.request(MAX_ERROR_BODY);
      long size = Math.min(source.getBuffer().size(), MAX_ERROR_BODY);
      return source.getBuffer().readUtf8(size);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Parses ElevenLabs' error bodies: {@code {"detail":{"status":"invalid_api_key","message":"…"}}}
   * (newer ones add {@code type} and {@code code}), FastAPI's validation errors {@code
   * {"detail":[{"loc":["body","text"],"msg":"…","type":"…"}]}}, a bare {@code {"detail":"…"}},
   * and, from proxies, {@code {"error":…}} or plain text.
   */
  static Details parseBody(String body, List<String> secrets) {
    String trimmed = body == null ? "" : body.trim();
    if (trimmed.startsWith("{")) {
      try {
        JsonNode root = JSON.readTree(trimmed);
        if (root != null && root.isObject()) {
          return parse(root, secrets);
        }
      } catch (IOException e) {
        // not JSON after all: plain text
      }
    }
    return new Details(clip(redact(trimmed.isEmpty() ? null : trimmed, secrets), MAX_MESSAGE_CHARS),
        null, null);
  }

  private static Details parse(JsonNode root, List<String> secrets) {
    JsonNode detail = root.has("detail") ? root.get("detail") : root.get("error");
    if (detail == null) {
      detail = root;
    }
    String message;
    String status = null;
    String type = null;
    if (detail.isObject()) {
      message = text(detail.get("message"));
      if (message == null) {
        message = text(detail.get("msg"));
      }
      status = text(detail.get("status"));
      if (status == null) {
        status = text(detail.get("code"));
      }
      type = text(detail.get("type"));
    } else if (detail.isArray()) {
      StringBuilder all = new StringBuilder();
      for (JsonNode problem : detail) {
        if (all.length() > 0) {
          all.append("; ");
        }
        JsonNode loc = problem.get("loc");
        if (loc != null && loc.isArray()) {
          StringBuilder path = new StringBuilder();
          loc.forEach(p -> path.append(path.length() == 0 ? "" : ".").append(p.asText()));
          all.append(path).append(": ");
        }
        String msg = text(problem.get("msg"));
        all.append(msg == null ? problem.toString() : msg);
        if (type == null) {
          type = text(problem.get("type"));
        }
      }
      message = all.toString();
    } else {
      message = text(detail);
    }
    return new Details(clip(redact(message, secrets), MAX_MESSAGE_CHARS),
        clip(redact(status, secrets), MAX_FIELD_CHARS), clip(redact(type, secrets), MAX_FIELD_CHARS));
  }

  private static String text(JsonNode node) {
    if (node == null || node.isNull() || node.isContainerNode()) {
      return null;
    }
    String s = node.asText();
    return s.isEmpty() ? null : s;
  }

  private static String redact(String text, List<String> secrets) {
    if (text == null) {
      return null;
    }
    for (String secret : secrets) {
      text = text.replace(secret, "[redacted]");
    }
    return text;
  }

  /** Cuts to {@code max} characters; control characters become spaces (no forged log lines). */
  private static String clip(String s, int max) {
    if (s == null) {
      return null;
    }
    String cut = s.length() <= max ? s : s.substring(0, max) + "...";
    StringBuilder clean = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      clean.append(Character.isISOControl(c) ? ' ' : c);
    }
    return clean.toString();
  }

  /** The wait a server asked for in {@code Retry-After}: seconds or an HTTP date. */
  static Duration retryAfter(Response response, Instant now) {
    String value = response.header("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      double seconds = Double.parseDouble(value.trim());
      return seconds >= 0 && !Double.isInfinite(seconds)
          ? Duration.ofMillis((long) (seconds * 1000)) : null;
    } catch (NumberFormatException e) {
      Date date = response.headers().getDate("Retry-After");
      if (date == null) {
        return null;
      }
      Duration wait = Duration.between(now, date.toInstant());
      return wait.isNegative() ? Duration.ZERO : wait;
    }
  }
}
