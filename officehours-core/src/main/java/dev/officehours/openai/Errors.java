package dev.officehours.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/** Turns what an OpenAI-compatible server or the network did wrong into a ProviderException. */
final class Errors {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Error bodies are short; a server that sends megabytes gets cut here. */
  private static final long MAX_ERROR_BODY = 16 * 1024;
  private static final int MAX_MESSAGE_CHARS = 1000;
  /** Error types, codes and params are identifiers; a server that sends essays gets cut. */
  private static final int MAX_FIELD_CHARS = 200;

  private Errors() {}

  /** The fields of an OpenAI-style error. */
  record Details(String message, String type, String code, String param) {
    /** The same with every credential of {@code endpoint} removed, from every field. */
    Details redacted(Endpoint endpoint) {
      return new Details(endpoint.redact(message), endpoint.redact(type), endpoint.redact(code),
          endpoint.redact(param));
    }
  }

  /**
   * Maps an unsuccessful HTTP response. Reads at most 16 KiB of its body.
   *
   * @param endpoint redacts credentials the server may echo
   */
  static ProviderException fromResponse(
      Stage stage, String summary, Response response, Endpoint endpoint) {
    String body = readBody(response.body());
    Details details = parseBody(body).redacted(endpoint);
    int status = response.code();
    return ProviderException.builder(stage, summary)
        .status(status)
        .errorType(details.type())
        .errorCode(details.code())
        .providerMessage(details.message())
        .retryable(RetryPolicy.isRetryableStatus(status))
        .retryAfter(retryAfter(response, Instant.now()))
        .build();
  }

  /**
   * Maps a network failure.
   *
   * @param outputDelivered whether tokens or audio already reached the caller: then a retry would
   *     repeat them, so the error is not retryable
   * @param deadlinePassed whether the call's deadline is over: not retryable either
   */
  static ProviderException fromIo(Stage stage, String summary, IOException e,
      boolean outputDelivered, boolean deadlinePassed) {
    String what;
    if (deadlinePassed) {
      what = summary + ": deadline exceeded";
    } else if (e instanceof UnknownHostException) {
      what = summary + ": unknown host";
    } else if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      what = summary + ": could not connect";
    } else if (e instanceof InterruptedIOException) {
      what = summary + ": timed out";
    } else {
      what = summary + ": connection failed";
    }
    return ProviderException.builder(stage, what)
        .providerMessage(null)
        .retryable(!outputDelivered && !deadlinePassed)
        .cause(e)
        .build();
  }

  /**
   * Maps an error payload sent inside a successful stream ({@code data: {"error": {...}}}).
   *
   * @param outputDelivered whether tokens or audio already reached the caller
   */
  static ProviderException fromStreamPayload(
      Stage stage, String summary, JsonNode error, boolean outputDelivered, Endpoint endpoint) {
    Details d = parseError(error).redacted(endpoint);
    boolean transientKind = isTransient(d.type()) || isTransient(d.code());
    return ProviderException.builder(stage, summary + " (error in stream)")
        .errorType(d.type())
        .errorCode(d.code())
        .providerMessage(d.message())
        .retryable(!outputDelivered && transientKind)
        .build();
  }

  private static boolean isTransient(String kind) {
    if (kind == null) {
      return false;
    }
    String k = kind.toLowerCase(java.util.Locale.ROOT);
    return k.contains("server_error") || k.contains("overloaded") || k.contains("rate_limit")
        || k.contains("timeout") || k.contains("unavailable");
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
   * Parses the error body forms seen in the wild: OpenAI and Azure {@code {"error":{"message",
   * "type","code","param"}}}, Ollama {@code {"error":"..."}}, vLLM and others' top-level {@code
   * {"message","type","code"}}, FastAPI's {@code {"detail":"..."}}, and plain text.
   */
  static Details parseBody(String body) {
    String trimmed = body == null ? "" : body.trim();
    if (trimmed.isEmpty()) {
      return new Details(null, null, null, null);
    }
    if (trimmed.startsWith("{")) {
      try {
        JsonNode root = JSON.readTree(trimmed);
        if (root != null && root.isObject()) {
          if (root.has("error")) {
            return parseError(root.get("error"));
          }
          if (root.has("message") || root.has("detail")) {
            return parseError(root);
          }
        }
      } catch (IOException e) {
        // Not JSON after all: fall through to plain text.
      }
    }
    return new Details(clip(trimmed), null, null, null);
  }

  static Details parseError(JsonNode error) {
    if (error == null || error.isNull()) {
      return new Details(null, null, null, null);
    }
    if (!error.isObject()) {
      return new Details(clip(error.isTextual() ? error.asText() : error.toString()), null, null,
          null);
    }
    String message = text(error.get("message"));
    if (message == null) {
      JsonNode detail = error.get("detail");
      message = detail == null ? null : detail.isTextual() ? detail.asText() : detail.toString();
    }
    return new Details(clip(message), clip(text(error.get("type")), MAX_FIELD_CHARS),
        clip(text(error.get("code")), MAX_FIELD_CHARS), clip(text(error.get("param")),
        MAX_FIELD_CHARS));
  }

  private static String text(JsonNode node) {
    if (node == null || node.isNull() || node.isContainerNode()) {
      return null;
    }
    String s = node.asText();
    return s.isEmpty() ? null : s;
  }

  private static String clip(String s) {
    return clip(s, MAX_MESSAGE_CHARS);
  }

  /**
   * Cuts what a server sent to {@code max} characters, and turns control characters (CR, LF, ESC)
   * into spaces: the text ends up in exception messages and logs, where a line break from a server
   * could forge a log line.
   */
  private static String clip(String s, int max) {
    if (s == null) {
      return null;
    }
    String cut = s.length() <= max ? s : s.substring(0, max) + "...";
    StringBuilder clean = null;
    for (int i = 0; i < cut.length(); i++) {
      if (Character.isISOControl(cut.charAt(i))) {
        if (clean == null) {
          clean = new StringBuilder(cut);
        }
        clean.setCharAt(i, ' ');
      }
    }
    return clean == null ? cut : clean.toString();
  }

  /**
   * The wait a server asked for: {@code retry-after-ms} (OpenAI, milliseconds, may be
   * fractional), else {@code Retry-After} as seconds or an HTTP date.
   */
  static Duration retryAfter(Response response, Instant now) {
    String ms = response.header("retry-after-ms");
    if (ms != null) {
      try {
        double millis = Double.parseDouble(ms.trim());
        if (millis >= 0 && !Double.isInfinite(millis)) {
          return Duration.ofNanos((long) (millis * 1_000_000));
        }
      } catch (NumberFormatException e) {
        // fall back to Retry-After
      }
    }
    String value = response.header("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      double seconds = Double.parseDouble(value.trim());
      if (seconds >= 0 && !Double.isInfinite(seconds)) {
        return Duration.ofMillis((long) (seconds * 1000));
      }
      return null;
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
