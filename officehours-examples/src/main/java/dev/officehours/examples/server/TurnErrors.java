package dev.officehours.examples.server;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.PipelineClosedException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.TurnTimeoutException;
import dev.officehours.examples.cli.Redactor;
import java.util.Locale;

/** Turns the pipeline's typed errors into the API's stable codes, with messages fit for a browser. */
final class TurnErrors {
  private TurnErrors() {}

  static ApiException of(OfficeHoursException e, Redactor redactor) {
    String message = redactor.clean(e.getMessage());
    if (e instanceof InvalidRequestException invalid) {
      return invalid(invalid, message);
    }
    if (e instanceof TurnTimeoutException) {
      return new ApiException(504, "turn_timeout", message);
    }
    if (e instanceof PipelineClosedException) {
      return new ApiException(503, "server_closing", "the server is shutting down");
    }
    if (e instanceof LimitExceededException) {
      return new ApiException(502, "limit_exceeded", message);
    }
    String stage = e.stage().name().toLowerCase(Locale.ROOT);
    if (e instanceof ProviderException p && p.status().isPresent()) {
      int status = p.status().getAsInt();
      if (status == 401 || status == 403) {
        // the provider's own words may quote part of the key: say only what happened
        return new ApiException(502, "provider_auth",
            "the " + stage.toUpperCase(Locale.ROOT) + " provider refused the server's credentials (HTTP " + status
                + "); the server's operator must fix its API key");
      }
      if (status == 429) {
        return new ApiException(503, "provider_rate_limited", message);
      }
    }
    return switch (e.stage()) {
      case LLM -> new ApiException(502, "llm_error", message);
      case TTS -> new ApiException(502, "tts_error", message);
      case STT -> new ApiException(502, "stt_error", message);
      case HISTORY -> new ApiException(503, "history_error", message);
      default -> new ApiException(500, "internal", message);
    };
  }

  private static ApiException invalid(InvalidRequestException e, String message) {
    String field = e.field();
    if ("image".equals(field)) {
      boolean tooLarge = message.contains("at most") || message.contains("large");
      return new ApiException(tooLarge ? 413 : 415, tooLarge ? "image_too_large" : "bad_image", message, field, -1);
    }
    if ("sessionId".equals(field) || "session".equals(field)) {
      return new ApiException(400, "bad_session", message, "session", -1);
    }
    if ("text".equals(field) && message.contains("at most")) {
      return new ApiException(413, "text_too_long", message, field, -1);
    }
    return new ApiException(400, "bad_field", message, field, -1);
  }
}
