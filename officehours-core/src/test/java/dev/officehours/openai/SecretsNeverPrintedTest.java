package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every provider, configured with credentials in every place a user can put one (API key, header,
 * query parameter, password in the base URL) or can get wrong (a base URL without a scheme, with a
 * query, with control characters), against a server that echoes everything it receives back in
 * its errors. No message, {@code toString} or stack trace may contain any of the secrets.
 */
class SecretsNeverPrintedTest {
  /** Every secret contains this marker; no printed text may. */
  private static final String MARK = "SECRET";
  private static final String KEY = "sk-proj-KEY" + MARK + "0123456789";
  private static final String HEADER = "azure-HEADER" + MARK + "4567";
  private static final String QUERY = "QUERY" + MARK + "89";
  private static final String PASSWORD = "PASS" + MARK + "42";

  private MockWebServer server;
  private final List<String> printed = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** What a user could configure, one provider at a time. */
  private interface Provider {
    String name();

    Object build(String baseUrl);

    /** Makes one call and returns the error it ends with. */
    OfficeHoursException failingCall(Object provider) throws Exception;
  }

  private static final Provider CHAT = new Provider() {
    @Override
    public String name() {
      return "chat";
    }

    @Override
    public Object build(String baseUrl) {
      return OpenAiChat.builder().baseUrl(baseUrl).apiKey(KEY).header("api-key", HEADER)
          .queryParameter("key", QUERY).retryPolicy(RetryPolicy.NONE).build();
    }

    @Override
    public OfficeHoursException failingCall(Object provider) throws Exception {
      RecordingListener l = new RecordingListener();
      Object call = ((OpenAiChat) provider).stream(
          ChatRequest.builder(List.of(ChatMessage.user("Hi"))).build(), l);
      OfficeHoursException e = l.awaitError();
      return new ProviderWithCall(e, call).error;
    }
  };

  private static final Provider SPEECH = new Provider() {
    @Override
    public String name() {
      return "speech";
    }

    @Override
    public Object build(String baseUrl) {
      return OpenAiSpeech.builder().baseUrl(baseUrl).apiKey(KEY).header("api-key", HEADER)
          .queryParameter("key", QUERY).retryPolicy(RetryPolicy.NONE).build();
    }

    @Override
    public OfficeHoursException failingCall(Object provider) throws Exception {
      OpenAiSpeech tts = (OpenAiSpeech) provider;
      RecordingSink sink = new RecordingSink();
      tts.synthesize(tts.request("Hi."), sink);
      return sink.awaitError();
    }
  };

  private static final Provider TRANSCRIPTION = new Provider() {
    @Override
    public String name() {
      return "transcription";
    }

    @Override
    public Object build(String baseUrl) {
      return OpenAiTranscription.builder().baseUrl(baseUrl).apiKey(KEY).header("api-key", HEADER)
          .queryParameter("key", QUERY).retryPolicy(RetryPolicy.NONE).build();
    }

    @Override
    public OfficeHoursException failingCall(Object provider) throws Exception {
      try {
        ((OpenAiTranscription) provider).transcribe(new byte[1600], "audio/wav")
            .get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        return (OfficeHoursException) e.getCause();
      }
      throw new AssertionError("transcription did not fail");
    }
  };

  private static final List<Provider> PROVIDERS = List.of(CHAT, SPEECH, TRANSCRIPTION);

  /** Keeps the call's toString in view of the scan. */
  private record ProviderWithCall(OfficeHoursException error, Object call) {}

  private static List<String> hostileBaseUrls() {
    return List.of(
        "user:" + PASSWORD + "@host/v1",
        "host:8080/v1?key=" + QUERY,
        PASSWORD + "@localhost",
        "http://user:" + PASSWORD + "@127.0.0.1:1/v1?key=" + QUERY,
        "http://127.0.0.1:1/v1#" + PASSWORD,
        "ftp://user:" + PASSWORD + "@host/v1",
        "http://user:pa/" + PASSWORD + "@host/v1",
        "http://user:pa?" + PASSWORD + "@host/v1",
        "http://user:pa#" + PASSWORD + "@host/v1",
        " http://user:" + PASSWORD + "@host\r\n/v1 ",
        "https://u:" + PASSWORD + "@" + "x".repeat(300) + "/v1");
  }

  @Test
  void hostileBaseUrlsAreRejectedWithoutEchoingTheSecret() {
    for (Provider p : PROVIDERS) {
      for (String url : hostileBaseUrls()) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> p.build(url), p.name() + " accepted " + url);
        scan(p.name() + " baseUrl " + url, e);
      }
    }
  }

  @Test
  void badKeysAndHeaderValuesAreRejectedWithoutEchoingThem() {
    List<Function<String, Object>> keySetters = List.of(
        k -> OpenAiChat.builder().apiKey(k), k -> OpenAiSpeech.builder().apiKey(k),
        k -> OpenAiTranscription.builder().apiKey(k));
    List<Function<String, Object>> headerSetters = List.of(
        v -> OpenAiChat.builder().header("api-key", v),
        v -> OpenAiSpeech.builder().header("api-key", v),
        v -> OpenAiTranscription.builder().header("api-key", v));
    for (String bad : List.of(KEY + "\n", KEY + " x", "\u00e9" + KEY, KEY + "\u0000")) {
      for (Function<String, Object> setter : keySetters) {
        scan("apiKey", assertThrows(IllegalArgumentException.class, () -> setter.apply(bad)));
      }
    }
    // A space or a Latin-1 letter is fine in a header value; line breaks and NUL are not.
    for (String bad : List.of(KEY + "\r\nX-Injected: 1", KEY + "\u0000", KEY + "\u0001")) {
      for (Function<String, Object> setter : headerSetters) {
        scan("header", assertThrows(IllegalArgumentException.class, () -> setter.apply(bad)));
      }
    }
  }

  @Test
  void aServerEchoingTheWholeRequestInItsErrorsLeaksNothing() throws Exception {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String echo = "you sent " + request.getMethod() + " " + request.getUrl() + " with "
            + request.getHeaders().toString().replace("\n", "; ");
        String json = "{\"error\":{\"message\":" + quote(echo) + ",\"type\":" + quote(echo)
            + ",\"code\":\"invalid_api_key\"}}";
        return new MockResponse.Builder().code(401).setHeader("Content-Type", "application/json")
            .body(json).build();
      }
    });
    String url = "http://user:" + PASSWORD + "@" + server.getHostName() + ":" + server.getPort()
        + "/v1";
    for (Provider p : PROVIDERS) {
      Object provider = p.build(url);
      scanText(p.name() + " toString", provider.toString());
      OfficeHoursException e = p.failingCall(provider);
      assertTrue(e instanceof ProviderException, String.valueOf(e));
      assertTrue(((ProviderException) e).providerMessage().orElseThrow().contains("[redacted]"),
          "the echo should have held redacted secrets: " + e.getMessage());
      scan(p.name() + " 401 echo", e);
    }
    assertEquals(3, server.getRequestCount());
    // The server did get the secrets it needs (but not the URL password, which OkHttp never sends).
    RecordedRequest first = server.takeRequest();
    assertEquals("Bearer " + KEY, first.getHeaders().get("Authorization"));
    assertEquals(QUERY, first.getUrl().queryParameter("key"));
  }

  @Test
  void errorsInsideASuccessfulResponseLeakNothingEither() throws Exception {
    String echoJson = "{\"error\":{\"message\":\"bad key " + KEY + " header " + HEADER + " query "
        + QUERY + "\",\"type\":\"server_error\"}}";
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
        .body("data: " + echoJson + "\n\n").build());
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body(echoJson).build());
    server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"message\":\"no text for " + KEY + "\"}").build());
    String url = server.url("/v1").toString();
    for (Provider p : PROVIDERS) {
      scan(p.name() + " error in a 200", p.failingCall(p.build(url)));
    }
  }

  @Test
  void connectionFailuresLeakNothing() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String url = "http://user:" + PASSWORD + "@127.0.0.1:" + closedPort + "/v1";
    for (Provider p : PROVIDERS) {
      Object provider = p.build(url);
      scanText(p.name() + " toString", provider.toString());
      scan(p.name() + " refused", p.failingCall(provider));
    }
  }

  private void scan(String where, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    scanText(where + " trace", trace.toString());
    for (Throwable c = t; c != null; c = c.getCause()) {
      scanText(where + " message", String.valueOf(c.getMessage()));
      scanText(where + " toString", c.toString());
      if (c instanceof ProviderException) {
        ProviderException pe = (ProviderException) c;
        scanText(where + " providerMessage", pe.providerMessage().orElse(""));
        scanText(where + " errorType", pe.errorType().orElse(""));
        scanText(where + " errorCode", pe.errorCode().orElse(""));
      }
    }
  }

  private void scanText(String where, String text) {
    printed.add(text);
    if (text.contains(MARK)) {
      fail("a secret leaked in " + where + ": " + text);
    }
    assertFalse(text.contains("\r"), where + " holds a raw CR: " + text);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
