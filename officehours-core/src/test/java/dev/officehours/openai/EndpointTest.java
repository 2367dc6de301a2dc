package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EndpointTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "user:s3cret@host/v1                 | ***@host/v1",
      "host:8080/v1?key=s3cret             | host:8080/v1?key=***",
      "http://user:s3cret@host/v1          | http://***@host/v1",
      "ftp://user:s3cret@host/v1?a=1&b=s3cret | ftp://***@host/v1?a=***&b=***",
      "s3cret@host                         | ***@host",
      "http://user:pa/s3cret@host/v1       | http://***@host/v1",
      "http://user:pa?s3cret@host/v1       | http://***@host/v1",
      "http://user:pa#s3cret@host/v1       | http://***@host/v1",
      "host/v1?s3cret                      | host/v1?***",
      "host/v1#s3cret                      | host/v1#***",
      "host/v1?k=v#s3cret                  | host/v1?k=***#***",
      "localhost:11434                     | localhost:11434",
      "https://api.openai.com/v1           | https://api.openai.com/v1"})
  void displayMasksUserinfoAndQueryValuesWhateverTheShape(String url, String shown) {
    assertEquals(shown, Endpoint.display(url));
  }

  @Test
  void displayNeutralisesControlCharactersAndCutsLongText() {
    assertEquals("http://host/v1??forged log line", Endpoint.display("http://host/v1\r\nforged log line"));
    String shown = Endpoint.display("http://host/" + "a".repeat(500));
    assertEquals(203, shown.length());
    assertTrue(shown.endsWith("..."));
  }

  @Test
  void displayOfAParsedUrlDropsTheCredentials() {
    assertEquals("http://host:8080/v1",
        Endpoint.display(HttpUrl.get("http://user:s3cret@host:8080/v1")));
  }

  @Test
  void redactRemovesKeyHeaderValuesCredentialQueryValuesAndThePassword() {
    Endpoint.Settings settings = azureLike("http://user:passw0rd@host/v1");
    settings.queryParameter("sig", "SIGNATURE-9");
    Endpoint endpoint = settings.build();

    String redacted = endpoint.redact("key sk-KEY-123456, header HEADERVALUE-1, sig SIGNATURE-9,"
        + " password passw0rd, version 2024-10-21");
    assertEquals("key [redacted], header [redacted], sig [redacted], password [redacted],"
        + " version 2024-10-21", redacted);
    assertFalse(endpoint.toString().contains("passw0rd"));
  }

  /** A key, an {@code api-key} header and an {@code api-version} query parameter, as Azure has. */
  private static Endpoint.Settings azureLike(String baseUrl) {
    Endpoint.Settings settings = new Endpoint.Settings(Duration.ofSeconds(1));
    settings.baseUrl(baseUrl);
    settings.apiKey("sk-KEY-123456");
    settings.header("api-key", "HEADERVALUE-1");
    settings.queryParameter("api-version", "2024-10-21");
    return settings;
  }

  @Test
  void aRequestCarriesThePathTheQueryTheKeyAndTheHeadersAndACopyWithHeadersToo() {
    Endpoint endpoint = azureLike("https://example.openai.azure.com/openai/deployments/d1").build();

    okhttp3.Request first = endpoint.request("chat/completions").get().build();
    assertEquals("https://example.openai.azure.com/openai/deployments/d1/chat/completions"
        + "?api-version=2024-10-21", first.url().toString());
    assertEquals("Bearer sk-KEY-123456", first.header("Authorization"));
    assertEquals("HEADERVALUE-1", first.header("api-key"));
    assertEquals(first.url(), endpoint.request("chat/completions").get().build().url(), "again");
    assertEquals("https://example.openai.azure.com/openai/deployments/d1/audio/speech"
        + "?api-version=2024-10-21", endpoint.request("audio/speech").get().build().url().toString());

    okhttp3.Request withExtra = endpoint.withHeaders(java.util.Map.of("X-Trace", "t-1", "api-key", "OTHER-2"))
        .request("chat/completions").get().build();
    assertEquals(first.url(), withExtra.url());
    assertEquals("Bearer sk-KEY-123456", withExtra.header("Authorization"));
    assertEquals("OTHER-2", withExtra.header("api-key"), "a request's header replaces the configured one");
    assertEquals("t-1", withExtra.header("X-Trace"));
    assertEquals("HEADERVALUE-1", endpoint.request("chat/completions").get().build().header("api-key"),
        "the endpoint itself is unchanged");
  }
}
