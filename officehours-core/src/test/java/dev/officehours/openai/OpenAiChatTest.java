package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.TokenUsage;
import dev.officehours.llm.ToolCallRequest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import dev.officehours.internal.Http;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiChatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FAKE_KEY = "sk-test-FAKE0123456789abcdefSECRET";
  /** Short waits so retry tests stay fast; the policy's logic is the same at any scale. */
  private static final RetryPolicy FAST_RETRY =
      new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(10));

  private MockWebServer server;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private OpenAiChat.Builder chat() {
    return OpenAiChat.builder().baseUrl(server.url("/v1").toString()).apiKey(FAKE_KEY)
        .retryPolicy(FAST_RETRY);
  }

  private static ChatRequest ask(String text) {
    return ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user(text)))
        .build();
  }

  private static MockResponse sse(String body) {
    return new MockResponse.Builder()
        .setHeader("Content-Type", "text/event-stream")
        .body(body)
        .build();
  }

  /** The body cut into small odd-sized HTTP chunks, as a real server flushes it. */
  private static MockResponse sseChunked(String body, int chunkSize) {
    return new MockResponse.Builder()
        .setHeader("Content-Type", "text/event-stream")
        .chunkedBody(body, chunkSize)
        .build();
  }

  private static MockResponse streaming(StreamingBody.Writer writer) {
    return StreamingBody.response(writer)
        .setHeader("Content-Type", "text/event-stream")
        .build();
  }

  private RecordingListener run(OpenAiChat chat, ChatRequest request) {
    RecordingListener listener = new RecordingListener();
    chat.stream(request, listener);
    return listener;
  }

  private static JsonNode json(RecordedRequest request) throws IOException {
    return JSON.readTree(request.getBody().utf8());
  }

  // ---------------------------------------------------------------- stream shapes of real servers

  @Test
  void openAiStreamDeliversEveryNonEmptyDeltaAndTheUsageOfTheLastChunk() throws Exception {
    server.enqueue(sseChunked(SampleStreams.OPENAI, 37));
    RecordingListener l = run(chat().build(), ask("Hi"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(List.of("Hello", " there, ", "friend."), l.tokens);
    assertEquals("stop", c.finishReason());
    assertEquals(new TokenUsage(12, 4, 16), c.usage());
    assertEquals("gpt-4o-mini-2024-07-18", c.model());
    assertFalse(c.fromCache());
    assertEquals(1, l.terminalCalls.get());
  }

  @Test
  void ollamaStream() throws Exception {
    server.enqueue(sseChunked(SampleStreams.OLLAMA, 50));
    RecordingListener l = run(
        OpenAiChat.builder().baseUrl(server.url("/v1").toString()).model("llama3.2").build(),
        ask("Why is the sky blue?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals("The sky is blue.", l.text());
    assertEquals("stop", c.finishReason());
    assertEquals(new TokenUsage(26, 5, 31), c.usage());
    assertEquals("llama3.2", c.model());
    // Ollama needs no key, and none is sent.
    assertNull(server.takeRequest().getHeaders().get("Authorization"));
  }

  @Test
  void vllmStreamWithLengthFinishAndExtraFields() throws Exception {
    server.enqueue(sseChunked(SampleStreams.VLLM, 64));
    RecordingListener l = run(chat().build(), ask("Capital of France?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals("Paris is the capital.", l.text());
    assertEquals("length", c.finishReason());
    assertTrue(c.truncated());
    assertEquals(new TokenUsage(40, 6, 46), c.usage());
    assertEquals("meta-llama/Llama-3.1-8B-Instruct", c.model());
  }

  @Test
  void llamaCppStreamWithNullContentAndTimings() throws Exception {
    server.enqueue(sseChunked(SampleStreams.LLAMA_CPP, 23));
    RecordingListener l = run(chat().build(), ask("Say hello in French"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(List.of("Bon", "jour !"), l.tokens);
    assertEquals(new TokenUsage(18, 4, 22), c.usage());
    assertEquals("gpt-3.5-turbo", c.model());
  }

  @Test
  void azureStreamWithPromptFilterFirstChunkAndContentFilterResults() throws Exception {
    server.enqueue(sseChunked(SampleStreams.AZURE, 41));
    OpenAiChat azure = OpenAiChat.builder()
        .baseUrl(server.url("/openai/deployments/gpt-4o-mini").toString())
        .header("api-key", FAKE_KEY)
        .queryParameter("api-version", "2024-10-21")
        .build();
    RecordingListener l = run(azure, ask("When?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals("Office hours are open.", l.text());
    assertEquals("stop", c.finishReason());
    assertEquals("gpt-4o-mini-2024-07-18", c.model());
    assertEquals(new TokenUsage(30, 5, 35), c.usage());

    RecordedRequest r = server.takeRequest();
    assertEquals("/openai/deployments/gpt-4o-mini/chat/completions", r.getUrl().encodedPath());
    assertEquals("2024-10-21", r.getUrl().queryParameter("api-version"));
    assertEquals(FAKE_KEY, r.getHeaders().get("api-key"));
    assertNull(r.getHeaders().get("Authorization"));
  }

  // ---------------------------------------------------------------- SSE details over HTTP

  @Test
  void keepAliveCommentsEventAndIdFieldsAndCrLineEndsAreHandled() throws Exception {
    String body = ": keep-alive\r\r"
        + "event: message\rid: 1\r" + SampleStreams.delta("a").replace("\n", "\r")
        + ": ping\n\n"
        + SampleStreams.delta("b").replace("\n", "\r\n")
        + SampleStreams.finish("stop") + SampleStreams.DONE;
    server.enqueue(sseChunked(body, 7));
    RecordingListener l = run(chat().build(), ask("x"));

    l.awaitCompletion();
    assertEquals(List.of("a", "b"), l.tokens);
  }

  @Test
  void multiLineDataFieldsFormOneJsonChunk() throws Exception {
    String body = "data: {\"model\":\"m\",\n"
        + "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"joined\"}}]}\n\n"
        + SampleStreams.finish("stop") + SampleStreams.DONE;
    server.enqueue(sse(body));
    RecordingListener l = run(chat().build(), ask("x"));

    l.awaitCompletion();
    assertEquals(List.of("joined"), l.tokens);
  }

  @Test
  void aStreamThatEndsWithoutDoneCompletesWhenAFinishReasonWasSeen() throws Exception {
    server.enqueue(sse(SampleStreams.delta("ok") + SampleStreams.finish("stop")));
    RecordingListener l = run(chat().build(), ask("x"));

    assertEquals("stop", l.awaitCompletion().finishReason());
    assertEquals("ok", l.text());
  }

  @Test
  void aStreamThatEndsWithoutDoneOrFinishReasonAfterTokensIsAnErrorWithoutRetry()
      throws Exception {
    server.enqueue(sse(SampleStreams.delta("half") + SampleStreams.delta(" an answer")));
    server.enqueue(sse(SampleStreams.delta("second attempt") + SampleStreams.DONE));
    RecordingListener l = run(chat().build(), ask("x"));

    OfficeHoursException e = l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertFalse(e.retryable());
    assertEquals("half an answer", l.text());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void doneWithoutFinishReasonCompletesAsUnknown() throws Exception {
    server.enqueue(sse(SampleStreams.delta("x") + SampleStreams.DONE));
    RecordingListener l = run(chat().build(), ask("x"));
    LlmCompletion c = l.awaitCompletion();
    assertEquals("unknown", c.finishReason());
    assertEquals(TokenUsage.NONE, c.usage());
  }

  @Test
  void anErrorPayloadAfterTokensIsAnLlmErrorThatIsNotRetried() throws Exception {
    server.enqueue(sse(SampleStreams.delta("Hel")
        + "data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
        + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"));
    server.enqueue(sse(SampleStreams.delta("never") + SampleStreams.DONE));
    RecordingListener l = run(chat().build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertEquals("server_error", e.errorType().orElseThrow());
    assertEquals("The server had an error while processing your request.",
        e.providerMessage().orElseThrow());
    assertTrue(e.status().isEmpty());
    assertFalse(e.retryable());
    assertEquals(List.of("token:Hel", "error"), l.events());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aTransientErrorPayloadBeforeAnyTokenIsRetried() throws Exception {
    server.enqueue(sse("data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\"}}\n\n"));
    server.enqueue(sse(SampleStreams.delta("fine") + SampleStreams.finish("stop")
        + SampleStreams.DONE));
    RecordingListener l = run(chat().build(), ask("x"));

    l.awaitCompletion();
    assertEquals(List.of("fine"), l.tokens);
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void ollamaStyleStringErrorPayloadInStream() throws Exception {
    server.enqueue(sse("data: {\"error\":\"model requires more system memory\"}\n\n"));
    RecordingListener l = run(chat().build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals("model requires more system memory", e.providerMessage().orElseThrow());
    assertFalse(e.retryable());
  }

  @Test
  void malformedChunkIsAnError() throws Exception {
    server.enqueue(sse("data: {not json\n\n"));
    RecordingListener l = run(chat().build(), ask("x"));
    OfficeHoursException e = l.awaitError();
    assertTrue(e.getMessage().contains("malformed"), e.getMessage());
  }

  // ---------------------------------------------------------------- request body

  @Test
  void requestBodyHasModelMessagesStreamOptionsMaxTokensAndTemperature() throws Exception {
    server.enqueue(sse(SampleStreams.finish("stop") + SampleStreams.DONE));
    ChatRequest request = ChatRequest.builder(List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hi"),
            ChatMessage.assistant("Hello."),
            ChatMessage.user("Weather?")))
        .maxTokens(150).temperature(0.3).build();
    run(chat().model("gpt-4o").build(), request).awaitCompletion();

    RecordedRequest r = server.takeRequest();
    assertEquals("POST", r.getMethod());
    assertEquals("/v1/chat/completions", r.getUrl().encodedPath());
    assertEquals("Bearer " + FAKE_KEY, r.getHeaders().get("Authorization"));
    assertTrue(r.getHeaders().get("Content-Type").startsWith("application/json"));
    JsonNode body = json(r);
    assertEquals("gpt-4o", body.get("model").asText());
    assertTrue(body.get("stream").asBoolean());
    assertTrue(body.get("stream_options").get("include_usage").asBoolean());
    assertEquals(150, body.get("max_tokens").asInt());
    assertEquals(0.3, body.get("temperature").asDouble(), 1e-9);
    JsonNode messages = body.get("messages");
    assertEquals(4, messages.size());
    assertEquals("system", messages.get(0).get("role").asText());
    assertEquals("You are terse.", messages.get(0).get("content").asText());
    assertEquals("assistant", messages.get(2).get("role").asText());
    // Text-only content is a plain string, which every compatible server accepts.
    assertTrue(messages.get(3).get("content").isTextual());
  }

  @Test
  void optionalFieldsAreLeftOutAndMaxCompletionTokensCanBeChosen() throws Exception {
    server.enqueue(sse(SampleStreams.DONE));
    server.enqueue(sse(SampleStreams.DONE));
    OpenAiChat plain = chat().includeUsage(false).build();
    run(plain, ask("x")).awaitCompletion();
    JsonNode first = json(server.takeRequest());
    assertFalse(first.has("stream_options"));
    assertFalse(first.has("max_tokens"));
    assertFalse(first.has("temperature"));
    assertEquals("gpt-4o-mini", first.get("model").asText());

    OpenAiChat reasoning = chat().maxTokensField("max_completion_tokens").build();
    run(reasoning, ChatRequest.builder(List.of(ChatMessage.user("x"))).maxTokens(64)
        .model("o4-mini").build()).awaitCompletion();
    JsonNode second = json(server.takeRequest());
    assertEquals(64, second.get("max_completion_tokens").asInt());
    assertFalse(second.has("max_tokens"));
    assertEquals("o4-mini", second.get("model").asText());
  }

  @Test
  void imagePartsAreSentAsDownscaledJpegDataUrlsWithTheirDetail() throws Exception {
    server.enqueue(sse(SampleStreams.DONE));
    byte[] png = png(2000, 1000);
    ChatMessage user = new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Text("What is on this whiteboard?"),
        new ContentPart.Image(png, "image/png", ContentPart.Detail.LOW)));
    run(chat().build(), ChatRequest.builder(List.of(user)).build()).awaitCompletion();

    JsonNode content = json(server.takeRequest()).get("messages").get(0).get("content");
    assertTrue(content.isArray());
    assertEquals("text", content.get(0).get("type").asText());
    assertEquals("What is on this whiteboard?", content.get(0).get("text").asText());
    assertEquals("image_url", content.get(1).get("type").asText());
    JsonNode imageUrl = content.get(1).get("image_url");
    assertEquals("low", imageUrl.get("detail").asText());
    String url = imageUrl.get("url").asText();
    String prefix = "data:image/jpeg;base64,";
    assertTrue(url.startsWith(prefix), url.substring(0, 40));
    BufferedImage sent =
        ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(prefix.length()))));
    assertEquals(1024, sent.getWidth());
    assertEquals(512, sent.getHeight());
  }

  @Test
  void aSmallJpegIsSentUnchanged() throws Exception {
    server.enqueue(sse(SampleStreams.DONE));
    byte[] jpeg = jpeg(320, 240);
    ChatMessage user = new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Image(jpeg, "image/jpeg", ContentPart.Detail.HIGH)));
    run(chat().build(), ChatRequest.builder(List.of(user)).build()).awaitCompletion();

    JsonNode imageUrl = json(server.takeRequest()).get("messages").get(0).get("content").get(0)
        .get("image_url");
    assertEquals("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg),
        imageUrl.get("url").asText());
    assertEquals("high", imageUrl.get("detail").asText());
  }

  @Test
  void bytesThatAreNoImageAreRejectedBeforeAnyRequest() {
    ChatMessage user = new ChatMessage(ChatMessage.Role.USER, List.of(
        new ContentPart.Image("not an image".getBytes(), "image/png", ContentPart.Detail.AUTO)));
    RecordingListener l = new RecordingListener();
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> chat().build().stream(ChatRequest.builder(List.of(user)).build(), l));
    assertEquals("image", e.field());
    assertEquals(0, server.getRequestCount());
    assertEquals(List.of(), l.events());
  }

  // ---------------------------------------------------------------- refusals and tool calls

  @Test
  void aRefusalIsDeliveredAsAnswerTextWithTheFinishReasonAsSent() throws Exception {
    server.enqueue(sseChunked(SampleStreams.OPENAI_REFUSAL, 29));
    RecordingListener l = run(chat().build(), ask("Help me with something bad"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals("I'm sorry, I can't help with that.", l.text());
    assertEquals("stop", c.finishReason());
    assertEquals(List.of(), c.toolCalls());
  }

  @Test
  void aToolCallSplitAcrossChunksIsAssembledIntoTheCompletion() throws Exception {
    server.enqueue(sseChunked(SampleStreams.OPENAI_TOOL_CALL, 23));
    RecordingListener l = run(chat().build(), ask("Weather in Paris?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(List.of(new ToolCallRequest(0, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather",
        "{\"location\":\"Paris, France\"}")), c.toolCalls());
    assertEquals("tool_calls", c.finishReason());
    assertEquals(new TokenUsage(80, 18, 98), c.usage());
    // Tool calls are not answer text: nothing was shown or spoken.
    assertEquals(List.of("complete"), l.events());
  }

  @Test
  void parallelToolCallsWithInterleavedPiecesAreKeptApartInIndexOrder() throws Exception {
    server.enqueue(sseChunked(SampleStreams.OPENAI_PARALLEL_TOOL_CALLS, 41));
    RecordingListener l = run(chat().build(), ask("Weather and time?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(List.of(
        new ToolCallRequest(0, "call_A1", "get_weather", "{\"city\": \"Paris\"}"),
        new ToolCallRequest(1, "call_B2", "get_time", "{\"zone\": \"CET\"}")), c.toolCalls());
    for (ToolCallRequest call : c.toolCalls()) {
      assertTrue(JSON.readTree(call.arguments()).isObject(), call.arguments());
    }
  }

  @Test
  void wholeToolCallsWithoutIndexBecomeOneCallEach() throws Exception {
    server.enqueue(sse(SampleStreams.WHOLE_TOOL_CALLS_WITHOUT_INDEX));
    RecordingListener l = run(chat().build(), ask("Weather in Paris and Rome?"));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(List.of(
        new ToolCallRequest(0, "function-call-1", "get_weather", "{\"city\":\"Paris\"}"),
        new ToolCallRequest(1, "function-call-2", "get_weather", "{\"city\":\"Rome\"}")),
        c.toolCalls());
    assertEquals("tool_calls", c.finishReason());
  }

  @Test
  void toolCallArgumentsLongerThanTheLimitFailTheCallNamingTheSetting() throws Exception {
    StringBuilder body = new StringBuilder(SampleStreams.OPENAI_TOOL_CALL.substring(0,
        SampleStreams.OPENAI_TOOL_CALL.indexOf("\n\n") + 2));
    String piece = "a".repeat(500);
    for (int i = 0; i < 10; i++) {
      // Each event is far below the limit; together they are not.
      body.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
          + "\"function\":{\"arguments\":\"").append(piece).append("\"}}]}}]}\n\n");
    }
    body.append(SampleStreams.finish("tool_calls")).append(SampleStreams.DONE);
    server.enqueue(sse(body.toString()));
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat().maxEventBytes(2048).build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("tool calls"), e.getMessage());
    assertTrue(e.getMessage().contains("2048"), e.getMessage());
    assertTrue(e.getMessage().contains("maxEventBytes"), e.getMessage());
    assertEquals(1, server.getRequestCount());
  }

  // ---------------------------------------------------------------- limits

  @Test
  void aLineLongerThanTheLimitFailsTheCallWithoutRetryNamingLimitAndSetting() throws Exception {
    server.enqueue(sse(SampleStreams.delta("Hi") + "data: {\"pad\":\"" + "p".repeat(3000) + "\"}\n\n"
        + SampleStreams.finish("stop") + SampleStreams.DONE));
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat().maxEventBytes(2048).build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("line"), e.getMessage());
    assertTrue(e.getMessage().contains("2048 bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("OpenAiChat.Builder.maxEventBytes"), e.getMessage());
    assertEquals(List.of("Hi"), l.tokens);
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void anEventOverTheLimitBeforeAnyTokenIsNotRetriedEither() throws Exception {
    StringBuilder event = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      event.append("data: ").append("q".repeat(100)).append('\n');
    }
    server.enqueue(sse(event + "\n" + SampleStreams.DONE));
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat().maxEventBytes(2048).build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertFalse(e.retryable());
    assertTrue(e.getMessage().contains("event"), e.getMessage());
    assertEquals(1, e.attempts());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void maxEventBytesIsValidatedByName() {
    IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().maxEventBytes(1023));
    assertTrue(small.getMessage().contains("maxEventBytes"), small.getMessage());
    assertTrue(small.getMessage().contains("1023"), small.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().maxEventBytes(OpenAiChat.MAX_MAX_EVENT_BYTES + 1));
    OpenAiChat.builder().maxEventBytes(OpenAiChat.MIN_MAX_EVENT_BYTES)
        .maxEventBytes(OpenAiChat.MAX_MAX_EVENT_BYTES).build();
  }

  // ---------------------------------------------------------------- HTTP errors

  @Test
  void openAiErrorBodyIsMappedWithStatusTypeCodeAndMessage() throws Exception {
    server.enqueue(new MockResponse.Builder().code(400)
        .setHeader("Content-Type", "application/json")
        .body("{\"error\":{\"message\":\"Invalid value for 'temperature'.\",\"type\":"
            + "\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_value\"}}")
        .build());
    RecordingListener l = run(chat().build(), ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertEquals(400, e.status().getAsInt());
    assertEquals(1, e.attempts());
    assertEquals("invalid_request_error", e.errorType().orElseThrow());
    assertEquals("invalid_value", e.errorCode().orElseThrow());
    assertEquals("Invalid value for 'temperature'.", e.providerMessage().orElseThrow());
    assertFalse(e.retryable());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void ollamaStringErrorAndPlainTextErrorBodies() throws Exception {
    server.enqueue(new MockResponse.Builder().code(404)
        .body("{\"error\":\"model \\\"llama9\\\" not found, try pulling it first\"}").build());
    ProviderException notFound = (ProviderException) run(chat().build(), ask("x")).awaitError();
    assertEquals(404, notFound.status().getAsInt());
    assertEquals("model \"llama9\" not found, try pulling it first",
        notFound.providerMessage().orElseThrow());

    server.enqueue(new MockResponse.Builder().code(502).body("Bad Gateway\n").build());
    ProviderException gateway = (ProviderException) run(
        chat().retryPolicy(RetryPolicy.NONE).build(), ask("x")).awaitError();
    assertEquals(502, gateway.status().getAsInt());
    assertEquals("Bad Gateway", gateway.providerMessage().orElseThrow());
    assertTrue(gateway.retryable());
  }

  @Test
  void aRefusedConnectionIsARetryableErrorWithoutStatus() throws Exception {
    String url = server.url("/v1").toString();
    server.close();
    RecordingListener l = new RecordingListener();
    OpenAiChat.builder().baseUrl(url).retryPolicy(RetryPolicy.NONE).build()
        .stream(ask("x"), l);

    ProviderException e = (ProviderException) l.awaitError();
    assertTrue(e.status().isEmpty());
    assertTrue(e.retryable());
    assertTrue(e.getCause() instanceof IOException);
  }

  // ---------------------------------------------------------------- retries

  @Test
  void a503BeforeTheFirstTokenIsRetriedAndTheTokensArriveOnce() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503)
        .body("{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}").build());
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat().build(), ask("x"));

    l.awaitCompletion();
    assertEquals(List.of("Hello", " there, ", "friend."), l.tokens);
    assertEquals(2, server.getRequestCount());
    assertEquals(1, l.terminalCalls.get());
  }

  @Test
  void aStreamThatBreaksAfterTheFirstTokenIsNotRetried() throws Exception {
    // Chunked framing, and the socket is closed half-way through the body: a truncated stream.
    String body = SampleStreams.delta("Once") + SampleStreams.delta(" upon") + SampleStreams.delta(" a")
        + SampleStreams.delta(" time") + SampleStreams.finish("stop") + SampleStreams.DONE;
    server.enqueue(new MockResponse.Builder()
        .setHeader("Content-Type", "text/event-stream")
        .chunkedBody(body, 16)
        .onResponseBody(new SocketEffect.CloseSocket())
        .build());
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat().build(), ask("x"));

    OfficeHoursException e = l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertFalse(e.retryable());
    assertTrue(l.text().startsWith("Once"), l.text());
    assertFalse(l.text().endsWith("time"), l.text());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void retryAfterMsOf429IsHonoured() throws Exception {
    List<Long> arrivals = new ArrayList<>();
    List<MockResponse> responses = new ArrayList<>(List.of(
        new MockResponse.Builder().code(429).setHeader("retry-after-ms", "300")
            .setHeader("Retry-After", "60")
            .body("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                + "\"code\":\"rate_limit_exceeded\"}}").build(),
        sse(SampleStreams.delta("ok") + SampleStreams.DONE)));
    server.setDispatcher(new Dispatcher() {
      @Override
      public synchronized MockResponse dispatch(RecordedRequest request) {
        arrivals.add(System.nanoTime());
        return responses.remove(0);
      }
    });
    RecordingListener l = run(chat().build(), ask("x"));

    l.awaitCompletion();
    assertEquals(2, arrivals.size());
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0));
    // The retry-after-ms header (300 ms) wins over both Retry-After (60 s) and the 10 ms backoff.
    assertTrue(waitedMillis >= 300, "retried after only " + waitedMillis + " ms");
    assertTrue(waitedMillis < 60_000);
  }

  @Test
  void aRetryWhoseWaitWouldPassTheDeadlineIsNotStarted() throws Exception {
    server.enqueue(new MockResponse.Builder().code(429).setHeader("Retry-After", "30")
        .body("{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}").build());
    server.enqueue(sse(SampleStreams.DONE));
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("x")))
        .deadline(Instant.now().plusSeconds(5)).build();
    // The policy would wait up to a minute: only the deadline stands in the way.
    RecordingListener l = run(chat()
        .retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMinutes(1))).build(),
        request);

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(429, e.status().getAsInt());
    assertTrue(e.retryable());
    assertEquals(Duration.ofSeconds(30), e.retryAfter().orElseThrow());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aRetryAfterLongerThanTheLongestBackoffIsNotRetriedEarlyButReported() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).setHeader("retry-after-ms", "2500")
        .body("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}").build());
    server.enqueue(sse(SampleStreams.OPENAI));
    // Plenty of time before the deadline (30 s), but the policy waits at most 1 s.
    RecordingListener l = run(chat()
        .retryPolicy(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(1))).build(),
        ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(503, e.status().getAsInt());
    assertTrue(e.retryable());
    assertEquals(Duration.ofMillis(2500), e.retryAfter().orElseThrow());
    assertEquals(1, e.attempts());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void anUnauthorizedCallMakesExactlyOneRequest() throws Exception {
    server.enqueue(new MockResponse.Builder().code(401)
        .body("{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":"
            + "\"invalid_request_error\",\"code\":\"invalid_api_key\"}}").build());
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = run(chat()
        .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofSeconds(1))).build(),
        ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(401, e.status().getAsInt());
    assertFalse(e.retryable());
    assertEquals(1, e.attempts());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void theErrorAfterRetriesCountsEveryRequestMade() throws Exception {
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(503)
          .body("{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}").build());
    }
    RecordingListener l = run(chat()
        .retryPolicy(new RetryPolicy(2, Duration.ofMillis(10), Duration.ofSeconds(1))).build(),
        ask("x"));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(503, e.status().getAsInt());
    assertEquals(3, e.attempts());
    assertEquals(3, server.getRequestCount());
  }

  @Test
  void aDeadlineAlreadyPassedFailsWithoutARequestAndNotBeforeStreamReturns() throws Exception {
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("x")))
        .deadline(Instant.now().minusSeconds(1)).build();
    List<String> seenBeforeReturn = new ArrayList<>();
    RecordingListener l = new RecordingListener();
    synchronized (l) {
      // The listener's methods are synchronized: a callback on this thread would have run here.
      chat().build().stream(request, l);
      seenBeforeReturn.addAll(l.events);
    }
    assertEquals(List.of(), seenBeforeReturn);
    ProviderException e = (ProviderException) l.awaitError();
    assertTrue(e.getMessage().contains("deadline"), e.getMessage());
    assertFalse(e.retryable());
    assertEquals(0, e.attempts());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void aStalledStreamEndsAtTheDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.enqueue(streaming(sink -> {
      sink.writeUtf8(SampleStreams.delta("slow")).flush();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("x")))
        .deadline(Instant.now().plusMillis(700)).build();
    RecordingListener l = run(chat().build(), request);

    ProviderException e = (ProviderException) l.awaitError();
    release.countDown();
    assertTrue(e.getMessage().contains("deadline"), e.getMessage());
    assertFalse(e.retryable());
    assertEquals("slow", l.text());
  }

  // ---------------------------------------------------------------- cancel (barge-in)

  @Test
  void cancelMidStreamClosesTheConnectionAndNoCallbackFollows() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch serverSawClose = new CountDownLatch(1);
    server.enqueue(streaming(sink -> {
      sink.writeUtf8(SampleStreams.delta("Let me")).flush();
      await(cancelled);
      // Keep streaming as a real server would. Once the client has closed the connection, the
      // kernel answers with a reset and a write fails: that failure is how the server observes
      // the close. Bounded: at most 5 s of writes.
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      try {
        while (System.nanoTime() < end) {
          sink.writeUtf8(SampleStreams.delta(" think")).flush();
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // pacing, not synchronisation
        }
      } catch (IOException expected) {
        serverSawClose.countDown();
        throw expected;
      }
    }));
    RecordingListener l = new RecordingListener();
    LlmCall call = chat().build().stream(ask("x"), l);
    assertTrue(l.awaitFirstToken());

    call.cancel();
    cancelled.countDown();

    assertTrue(serverSawClose.await(10, TimeUnit.SECONDS),
        "the server never saw the connection close");
    assertEquals(List.of("token:Let me"), l.events());
    assertEquals(0, l.terminalCalls.get());
    call.cancel(); // idempotent
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void cancelFromInsideOnTokenStopsEveryFurtherCallback() throws Exception {
    server.enqueue(sse(SampleStreams.OPENAI));
    LlmCall[] handle = new LlmCall[1];
    CountDownLatch handleSet = new CountDownLatch(1);
    RecordingListener l = new RecordingListener() {
      @Override
      public synchronized void onToken(String delta) {
        super.onToken(delta);
        await(handleSet);
        handle[0].cancel(); // barge-in detected while handling the first token
      }
    };
    // A client of its own, so "its dispatcher went idle" means "this call's thread is done".
    CountDownLatch idle = new CountDownLatch(1);
    okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
    dispatcher.setIdleCallback(idle::countDown);
    OkHttpClient client = Http.sharedClient().newBuilder().dispatcher(dispatcher).build();
    handle[0] = chat().httpClient(client).build().stream(ask("x"), l);
    handleSet.countDown();

    assertTrue(idle.await(10, TimeUnit.SECONDS));
    // The whole answer and [DONE] were on the wire; only the first token may have been seen.
    assertEquals(List.of("token:Hello"), l.events());
  }

  @Test
  void cancelDuringTheRetryWaitSendsNoSecondRequest() throws Exception {
    server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = new RecordingListener();
    LlmCall call = chat().retryPolicy(new RetryPolicy(1, Duration.ofMillis(200),
        Duration.ofSeconds(1))).build().stream(ask("x"), l);
    server.takeRequest();
    call.cancel();

    assertNull(server.takeRequest(1500, TimeUnit.MILLISECONDS), "a retry was sent after cancel");
    assertEquals(List.of(), l.events());
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test latch not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void manyStreamsToOneHostRunAtOnce() throws Exception {
    // Every response waits until all requests have arrived: with OkHttp's default limit of 5
    // calls per host, the 6th request would never be sent and this test would time out.
    int streams = 24;
    CountDownLatch allArrived = new CountDownLatch(streams);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        allArrived.countDown();
        return streaming(sink -> {
          await(allArrived);
          sink.writeUtf8(SampleStreams.delta("hi") + SampleStreams.finish("stop")
              + SampleStreams.DONE);
        });
      }
    });
    OpenAiChat chat = chat().build();
    List<RecordingListener> listeners = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      listeners.add(run(chat, ask("question " + i)));
    }
    for (RecordingListener l : listeners) {
      assertEquals("stop", l.awaitCompletion().finishReason());
      assertEquals("hi", l.text());
    }
    assertEquals(streams, server.getRequestCount());
  }

  // ---------------------------------------------------------------- configuration and secrets

  @Test
  void fromEnvironmentWithoutKeySendsNoAuthorization() throws Exception {
    server.enqueue(sse(SampleStreams.DONE));
    OpenAiChat chat = OpenAiChat.fromEnvironment(Map.of(
        "OPENAI_BASE_URL", server.url("/v1/").toString(), "OPENAI_MODEL", "qwen2.5:7b"));
    assertEquals("qwen2.5:7b", chat.defaultModel());
    run(chat, ask("x")).awaitCompletion();
    RecordedRequest r = server.takeRequest();
    assertNull(r.getHeaders().get("Authorization"));
    assertEquals("/v1/chat/completions", r.getUrl().encodedPath());
    assertEquals("qwen2.5:7b", json(r).get("model").asText());
  }

  @Test
  void fromEnvironmentDefaults() {
    OpenAiChat chat = OpenAiChat.fromEnvironment(Map.of());
    assertEquals("gpt-4o-mini", chat.defaultModel());
    assertEquals("openai-chat@api.openai.com", chat.id());
    assertEquals("OpenAiChat[baseUrl=https://api.openai.com/v1, model=gpt-4o-mini]",
        chat.toString());
  }

  @Test
  void theApiKeyAppearsInNoExceptionMessageAndNoToString() throws Exception {
    // A server that echoes the key back in its error message, as some proxies do.
    server.enqueue(new MockResponse.Builder().code(401)
        .body("{\"error\":{\"message\":\"Incorrect API key provided: " + FAKE_KEY + ".\","
            + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}").build());
    OpenAiChat chat = chat().build();
    ProviderException e = (ProviderException) run(chat, ask("x")).awaitError();

    assertEquals("invalid_api_key", e.errorCode().orElseThrow());
    assertFalse(e.retryable());
    List<String> printed = new ArrayList<>(List.of(chat.toString(), e.getMessage(), e.toString(),
        e.providerMessage().orElse(""), chat.id()));
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      printed.add(String.valueOf(t));
    }
    for (String s : printed) {
      assertFalse(s.contains(FAKE_KEY), "key leaked in: " + s);
      assertFalse(s.contains("FAKE0123456789"), "part of the key leaked in: " + s);
    }
    assertTrue(chat.toString().contains(server.url("/v1").toString()));

    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().apiKey(FAKE_KEY + "\n"));
    assertFalse(bad.getMessage().contains(FAKE_KEY));
    IllegalArgumentException badHeader = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().header("api-key", FAKE_KEY + "\u0001"));
    assertFalse(badHeader.getMessage().contains(FAKE_KEY));
  }

  @Test
  void aPasswordInTheBaseUrlIsNeverPrinted() {
    String withPassword = "http://user:hunter2secret@" + server.getHostName() + ":" + server.getPort() + "/v1";
    OpenAiChat chat = OpenAiChat.builder().baseUrl(withPassword).build();
    assertFalse(chat.toString().contains("hunter2secret"), chat.toString());
    IllegalArgumentException query = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().baseUrl(withPassword + "?x=1"));
    assertFalse(query.getMessage().contains("hunter2secret"), query.getMessage());
    IllegalArgumentException unparsable = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().baseUrl("ftp://user:hunter2secret@host/v1"));
    assertFalse(unparsable.getMessage().contains("hunter2secret"), unparsable.getMessage());
  }

  @Test
  void buildersNameTheBadValue() {
    IllegalArgumentException url = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().baseUrl("localhost:11434"));
    assertTrue(url.getMessage().contains("localhost:11434"), url.getMessage());
    IllegalArgumentException field = assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().maxTokensField("maxTokens"));
    assertTrue(field.getMessage().contains("maxTokens"), field.getMessage());
    assertThrows(IllegalArgumentException.class, () -> OpenAiChat.builder().model(" "));
    assertThrows(IllegalArgumentException.class,
        () -> OpenAiChat.builder().timeout(Duration.ZERO));
    assertThrows(NullPointerException.class, () -> OpenAiChat.builder().retryPolicy(null));
  }

  @Test
  void aMissingKeyOrHeaderValueSaysWhichAndWhy() {
    // what System.getenv of an unset variable hands a builder
    NullPointerException key = assertThrows(NullPointerException.class, () -> OpenAiChat.builder().apiKey(null));
    assertTrue(key.getMessage().contains("environment variable"), key.getMessage());
    NullPointerException header = assertThrows(NullPointerException.class,
        () -> OpenAiChat.builder().header("api-key", null));
    assertTrue(header.getMessage().contains("'api-key'"), header.getMessage());
  }

  // ---------------------------------------------------------------- helpers

  static byte[] png(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    for (int x = 0; x < width; x += 7) {
      for (int y = 0; y < height; y += 5) {
        image.setRGB(x, y, 0xFF000000 | (x * 31 + y * 17));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  static byte[] jpeg(int width, int height) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "jpeg", out);
    return out.toByteArray();
  }

  static Headers none() {
    return Headers.of();
  }
}
