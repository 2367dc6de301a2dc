package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class ErrorsTest {

  private static Response withHeaders(String... namesAndValues) {
    Response.Builder b = new Response.Builder()
        .request(new Request.Builder().url("http://localhost/").build())
        .protocol(Protocol.HTTP_1_1).code(429).message("Too Many Requests");
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.addHeader(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  @Test
  void retryAfterMsWinsAndMayBeFractional() {
    Instant now = Instant.now();
    assertEquals(Duration.ofMillis(1500),
        Errors.retryAfter(withHeaders("retry-after-ms", "1500", "Retry-After", "2"), now));
    assertEquals(Duration.ofNanos(20_500_000),
        Errors.retryAfter(withHeaders("retry-after-ms", "20.5"), now));
  }

  @Test
  void retryAfterInSecondsOrAsAnHttpDate() {
    Instant now = Instant.parse("2026-01-01T10:00:00Z");
    assertEquals(Duration.ofSeconds(7), Errors.retryAfter(withHeaders("Retry-After", "7"), now));
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        now.plusSeconds(30).atOffset(ZoneOffset.UTC));
    assertEquals(Duration.ofSeconds(30), Errors.retryAfter(withHeaders("Retry-After", date), now));
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        now.minusSeconds(30).atOffset(ZoneOffset.UTC));
    assertEquals(Duration.ZERO, Errors.retryAfter(withHeaders("Retry-After", past), now));
    assertNull(Errors.retryAfter(withHeaders("Retry-After", "soon"), now));
    assertNull(Errors.retryAfter(withHeaders(), now));
  }

  @Test
  void errorBodyShapes() {
    assertEquals(new Errors.Details("Bad key", "invalid_request_error", "invalid_api_key", null),
        Errors.parseBody("{\"error\":{\"message\":\"Bad key\",\"type\":\"invalid_request_error\","
            + "\"param\":null,\"code\":\"invalid_api_key\"}}"));
    // Azure sends numeric-looking codes as strings, some servers as numbers.
    assertEquals(new Errors.Details("Rate limit", null, "429", null),
        Errors.parseBody("{\"error\":{\"code\":429,\"message\":\"Rate limit\"}}"));
    assertEquals(new Errors.Details("model 'x' not found", null, null, null),
        Errors.parseBody("{\"error\":\"model 'x' not found\"}"));
    // vLLM: top-level fields.
    assertEquals(new Errors.Details("max_tokens too large", "BadRequestError", "400", null),
        Errors.parseBody("{\"object\":\"error\",\"message\":\"max_tokens too large\","
            + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"));
    assertEquals(new Errors.Details("Not Found", null, null, null),
        Errors.parseBody("{\"detail\":\"Not Found\"}"));
    assertEquals(new Errors.Details("upstream connect error", null, null, null),
        Errors.parseBody("upstream connect error\n"));
    assertEquals(new Errors.Details(null, null, null, null), Errors.parseBody(""));
    assertEquals(new Errors.Details("{broken", null, null, null), Errors.parseBody("{broken"));
    String huge = "x".repeat(5000);
    assertEquals(1003, Errors.parseBody(huge).message().length());
  }

  @Test
  void lineBreaksFromTheServerCannotForgeLogLinesAndLongIdentifiersAreCut() {
    Errors.Details d = Errors.parseBody("{\"error\":{\"message\":\"bad\\r\\nINFO forged\","
        + "\"type\":\"" + "t".repeat(500) + "\",\"code\":\"c\\u001b[31m\"}}");
    assertEquals("bad  INFO forged", d.message());
    assertEquals(203, d.type().length());
    assertEquals("c [31m", d.code());
  }
}
