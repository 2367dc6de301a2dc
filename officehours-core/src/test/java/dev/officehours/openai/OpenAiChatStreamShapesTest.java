package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.TokenUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stream shapes of real servers that {@link OpenAiChatTest} does not cover: content as an array
 * of parts, reasoning beside the answer, refusals, llama.cpp's {@code error:} field, and provider
 * extras. Each recorded shape is served over loopback cut at random byte offsets (several seeds):
 * the text, the reasoning and the completion must not depend on where the bytes were cut.
 */
class OpenAiChatStreamShapesTest {
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

  private OpenAiChat chat() {
    return OpenAiChat.builder().baseUrl(server.url("/v1").toString()).model("any")
        .retryPolicy(FAST_RETRY).build();
  }

  /** A {@link RecordingListener} that also records reasoning, in the same event order. */
  static final class ReasoningRecorder extends RecordingListener {
    final List<String> reasoning = new ArrayList<>();

    @Override
    public synchronized void onReasoning(String delta) {
      if (delta.isEmpty()) {
        throw new AssertionError("onReasoning with an empty delta");
      }
      reasoning.add(delta);
      events.add("reasoning:" + delta);
    }

    synchronized String reasoningText() {
      return String.join("", reasoning);
    }
  }

  private ReasoningRecorder run(MockResponse response) {
    server.enqueue(response);
    ReasoningRecorder l = new ReasoningRecorder();
    chat().stream(ChatRequest.builder(List.of(ChatMessage.user("?"))).build(), l);
    return l;
  }

  /** The body as HTTP chunks cut at random byte offsets, even inside a UTF-8 character. */
  static MockResponse cutAtRandomBytes(String body, long seed) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(seed);
    return StreamingBody.response(sink -> {
      int at = 0;
      while (at < bytes.length) {
        int n = Math.min(bytes.length - at, 1 + random.nextInt(24));
        sink.write(bytes, at, n);
        sink.flush();
        at += n;
      }
    }).setHeader("Content-Type", "text/event-stream").build();
  }

  // ---------------------------------------------------------------- recorded shapes

  private static String mistral(String delta, String finish) {
    return "data: {\"id\":\"9f1c0e6b2a7d4c1e\",\"object\":\"chat.completion.chunk\",\"created\":"
        + "1731400300,\"model\":\"magistral-medium-2509\",\"choices\":[{\"index\":0,\"delta\":"
        + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  }

  /**
   * Mistral's reasoning models: content as an array of parts, {@code thinking} parts (each a list
   * of text parts) first, a chunk that closes the thinking and opens the text, then text parts
   * and plain strings; usage in the last chunk.
   */
  static final String MISTRAL_THINKING = ""
      + mistral("{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":"
          + "[{\"type\":\"text\",\"text\":\"Die Frage ist \"}]}]}", "null")
      + mistral("{\"content\":[{\"type\":\"thinking\",\"thinking\":[{\"type\":\"text\",\"text\":"
          + "\"einfach: zwei plus zwei.\"}]}]}", "null")
      + mistral("{\"content\":[{\"type\":\"thinking\",\"thinking\":[]},{\"type\":\"text\","
          + "\"text\":\"Zwei plus zwei \"}]}", "null")
      + mistral("{\"content\":[{\"type\":\"text\",\"text\":\"ergibt \"}]}", "null")
      + mistral("{\"content\":\"vier – grüß Gott.\"}", "null")
      + "data: {\"id\":\"9f1c0e6b2a7d4c1e\",\"object\":\"chat.completion.chunk\",\"created\":"
      + "1731400300,\"model\":\"magistral-medium-2509\",\"choices\":[{\"index\":0,\"delta\":"
      + "{\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":14,"
      + "\"total_tokens\":71,\"completion_tokens\":57}}\n\n"
      + "data: [DONE]\n\n";

  private static String deepSeek(String delta, String finish, String usage) {
    return "data: {\"id\":\"1f633d8bfc032625086f14113c411638\",\"object\":\"chat.completion.chunk\","
        + "\"created\":1731400301,\"model\":\"deepseek-reasoner\",\"system_fingerprint\":"
        + "\"fp_7e73fd9a08_prod0225\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":" + usage + "}\n\n";
  }

  /**
   * DeepSeek's reasoner: {@code reasoning_content} with {@code content} null, then the reverse;
   * the usage, with reasoning tokens and cache counts, in the chunk that finishes.
   */
  static final String DEEPSEEK_REASONER = ""
      + deepSeek("{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"\"}", "null",
          "null")
      + deepSeek("{\"content\":null,\"reasoning_content\":\"Okay, the user\"}", "null", "null")
      + deepSeek("{\"content\":null,\"reasoning_content\":\" says hello.\"}", "null", "null")
      + deepSeek("{\"content\":\"Hello!\",\"reasoning_content\":null}", "null", "null")
      + deepSeek("{\"content\":\" How can I help?\",\"reasoning_content\":null}", "null", "null")
      + deepSeek("{\"content\":\"\",\"reasoning_content\":null}", "\"stop\"",
          "{\"prompt_tokens\":9,\"completion_tokens\":41,\"total_tokens\":50,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":"
          + "{\"reasoning_tokens\":33},\"prompt_cache_hit_tokens\":0,\"prompt_cache_miss_tokens\":9}")
      + "data: [DONE]\n\n";

  private static String ollama(String delta, String finish) {
    return "data: {\"id\":\"chatcmpl-431\",\"object\":\"chat.completion.chunk\",\"created\":"
        + "1731400302,\"model\":\"qwen3:0.6b\",\"system_fingerprint\":\"fp_ollama\",\"choices\":"
        + "[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  }

  /** Ollama's /v1 with a thinking model: {@code reasoning} beside an empty content, role repeated. */
  static final String OLLAMA_REASONING = ""
      + ollama("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"Hmm, \"}", "null")
      + ollama("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"a greeting.\"}", "null")
      + ollama("{\"role\":\"assistant\",\"content\":\"Hi\"}", "null")
      + ollama("{\"role\":\"assistant\",\"content\":\" there.\"}", "null")
      + ollama("{\"role\":\"assistant\",\"content\":\"\"}", "\"stop\"")
      + "data: {\"id\":\"chatcmpl-431\",\"object\":\"chat.completion.chunk\",\"created\":1731400302,"
      + "\"model\":\"qwen3:0.6b\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[],\"usage\":"
      + "{\"prompt_tokens\":11,\"completion_tokens\":20,\"total_tokens\":31}}\n\n"
      + "data: [DONE]\n\n";

  private static String vllm(String delta, String finishAndStop) {
    return "data: {\"id\":\"chatcmpl-b7e2\",\"object\":\"chat.completion.chunk\",\"created\":"
        + "1731400303,\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null," + finishAndStop + "}]}\n\n";
  }

  /**
   * vLLM with a reasoning parser, in its compatible form: the same reasoning under both
   * {@code reasoning} and {@code reasoning_content}; a {@code stop_reason} (the stop token's id)
   * beside the finish reason.
   */
  static final String VLLM_REASONING_BOTH_NAMES = ""
      + vllm("{\"role\":\"assistant\",\"content\":\"\"}", "\"finish_reason\":null")
      + vllm("{\"reasoning\":\"Short \",\"reasoning_content\":\"Short \"}", "\"finish_reason\":null")
      + vllm("{\"reasoning\":\"answer.\",\"reasoning_content\":\"answer.\"}",
          "\"finish_reason\":null")
      + vllm("{\"content\":\"Yes.\"}", "\"finish_reason\":null,\"stop_reason\":null")
      + vllm("{\"content\":\"\"}", "\"finish_reason\":\"stop\",\"stop_reason\":151645")
      + "data: {\"id\":\"chatcmpl-b7e2\",\"object\":\"chat.completion.chunk\",\"created\":1731400303,"
      + "\"model\":\"Qwen/Qwen3-8B\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,"
      + "\"total_tokens\":34,\"completion_tokens\":14,\"prompt_tokens_details\":null}}\n\n"
      + "data: [DONE]\n\n";

  private static String openRouter(String delta, String finish) {
    return "data: {\"id\":\"gen-1731400304-Qx7\",\"provider\":\"DeepInfra\",\"model\":"
        + "\"deepseek/deepseek-r1\",\"object\":\"chat.completion.chunk\",\"created\":1731400304,"
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish
        + ",\"native_finish_reason\":" + finish + ",\"logprobs\":null}]}\n\n";
  }

  /**
   * OpenRouter: {@code : OPENROUTER PROCESSING} comments while the model is queued, {@code
   * reasoning} beside {@code reasoning_details} (the same text again, structured), {@code role}
   * null after the first delta, usage with reasoning tokens and cost in a last, empty-choices
   * chunk.
   */
  static final String OPENROUTER_REASONING = ""
      + ": OPENROUTER PROCESSING\n\n"
      + ": OPENROUTER PROCESSING\n\n"
      + openRouter("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"Count \","
          + "\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"Count \","
          + "\"format\":\"unknown\",\"index\":0}]}", "null")
      + ": OPENROUTER PROCESSING\n\n"
      + openRouter("{\"role\":null,\"content\":\"\",\"reasoning\":\"the r's.\","
          + "\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"the r's.\","
          + "\"format\":\"unknown\",\"index\":0}]}", "null")
      + openRouter("{\"role\":null,\"content\":\"Three.\",\"reasoning\":null}", "null")
      + openRouter("{\"role\":null,\"content\":\"\",\"reasoning\":null}", "\"stop\"")
      + "data: {\"id\":\"gen-1731400304-Qx7\",\"provider\":\"DeepInfra\",\"model\":"
      + "\"deepseek/deepseek-r1\",\"object\":\"chat.completion.chunk\",\"created\":1731400304,"
      + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
      + "\"finish_reason\":null,\"native_finish_reason\":null,\"logprobs\":null}],\"usage\":"
      + "{\"prompt_tokens\":12,\"completion_tokens\":25,\"total_tokens\":37,\"cost\":0.0000617,"
      + "\"is_byok\":false,\"prompt_tokens_details\":{\"cached_tokens\":0},"
      + "\"completion_tokens_details\":{\"reasoning_tokens\":22}}}\n\n"
      + "data: [DONE]\n\n";

  private static String cumulative(String delta, String finish, int completion) {
    return "data: {\"id\":\"cmpl-2e5d\",\"object\":\"chat.completion.chunk\",\"created\":1731400305,"
        + "\"model\":\"meta-llama/Llama-3.3-70B-Instruct-Turbo\",\"choices\":[{\"index\":0,"
        + "\"delta\":" + delta + ",\"finish_reason\":" + finish + "}],\"usage\":{\"prompt_tokens\":"
        + "17,\"completion_tokens\":" + completion + ",\"total_tokens\":" + (17 + completion)
        + "}}\n\n";
  }

  /**
   * A server that sends the running usage on every chunk, {@code role} null in later deltas: the
   * last usage is the completion's.
   */
  static final String USAGE_ON_EVERY_CHUNK = ""
      + cumulative("{\"role\":\"assistant\",\"content\":\"One\"}", "null", 1)
      + cumulative("{\"role\":null,\"content\":\", two\"}", "null", 3)
      + cumulative("{\"role\":null,\"content\":\", three.\"}", "null", 5)
      + cumulative("{\"role\":null,\"content\":\"\"}", "\"stop\"", 6)
      + "data: [DONE]\n\n";

  /**
   * Azure OpenAI with asynchronous content filtering: the prompt_filter_results first chunk
   * (empty choices), and a filter annotation after the finishing chunk (no delta, finish reason
   * null again), which must not undo the finish reason.
   */
  static final String AZURE_ASYNC_FILTER = ""
      + "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
      + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":"
      + "{\"filtered\":false,\"severity\":\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":"
      + "\"safe\"},\"sexual\":{\"filtered\":false,\"severity\":\"safe\"},\"violence\":{\"filtered\":"
      + "false,\"severity\":\"safe\"}}}]}\n\n"
      + "data: {\"choices\":[{\"delta\":{\"content\":\"\",\"role\":\"assistant\"},\"finish_reason\":"
      + "null,\"index\":0,\"logprobs\":null}],\"created\":1731400306,\"id\":\"chatcmpl-Az2\","
      + "\"model\":\"gpt-4o-2024-11-20\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"delta\":{\"content\":\"Open at nine.\"},\"finish_reason\":null,"
      + "\"index\":0,\"logprobs\":null}],\"created\":1731400306,\"id\":\"chatcmpl-Az2\","
      + "\"model\":\"gpt-4o-2024-11-20\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\",\"index\":0,\"logprobs\":null}],"
      + "\"created\":1731400306,\"id\":\"chatcmpl-Az2\",\"model\":\"gpt-4o-2024-11-20\","
      + "\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"content_filter_offsets\":{\"check_offset\":0,\"start_offset\":0,"
      + "\"end_offset\":13},\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":"
      + "\"safe\"}},\"finish_reason\":null,\"index\":0}],\"created\":0,\"id\":\"\",\"model\":\"\","
      + "\"object\":\"\"}\n\n"
      + "data: [DONE]\n\n";

  /** A stream shape and what it must come to. */
  private record Shape(String name, String body, String text, String reasoning,
      String finishReason, TokenUsage usage, String model) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Shape> SHAPES = List.of(
      new Shape("Mistral, thinking and text parts", MISTRAL_THINKING,
          "Zwei plus zwei ergibt vier – grüß Gott.", "Die Frage ist einfach: zwei plus zwei.",
          "stop", new TokenUsage(14, 57, 71), "magistral-medium-2509"),
      new Shape("DeepSeek, reasoning_content", DEEPSEEK_REASONER, "Hello! How can I help?",
          "Okay, the user says hello.", "stop", new TokenUsage(9, 41, 50, 33),
          "deepseek-reasoner"),
      new Shape("Ollama, reasoning", OLLAMA_REASONING, "Hi there.", "Hmm, a greeting.", "stop",
          new TokenUsage(11, 20, 31), "qwen3:0.6b"),
      new Shape("vLLM, reasoning under both names, stop_reason", VLLM_REASONING_BOTH_NAMES, "Yes.",
          "Short answer.", "stop", new TokenUsage(20, 14, 34), "Qwen/Qwen3-8B"),
      new Shape("OpenRouter, processing comments, reasoning, role null",
          OPENROUTER_REASONING, "Three.", "Count the r's.", "stop",
          new TokenUsage(12, 25, 37, 22), "deepseek/deepseek-r1"),
      new Shape("OpenAI, refusal", SampleStreams.OPENAI_REFUSAL,
          "I'm sorry, I can't help with that.", "", "stop", new TokenUsage(80, 18, 98),
          "gpt-4o-mini-2024-07-18"),
      new Shape("usage on every chunk, role null", USAGE_ON_EVERY_CHUNK, "One, two, three.", "",
          "stop", new TokenUsage(17, 6, 23), "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
      new Shape("Azure, prompt filter first, async filter after the finish", AZURE_ASYNC_FILTER,
          "Open at nine.", "", "stop", TokenUsage.NONE, "gpt-4o-2024-11-20"));

  static Stream<Arguments> shapesCutAtRandomBytes() {
    List<Arguments> all = new ArrayList<>();
    for (Shape shape : SHAPES) {
      for (long seed = 1; seed <= 5; seed++) {
        all.add(Arguments.of(shape, seed));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("shapesCutAtRandomBytes")
  void streamsOfRealServersGiveTheSameAnswerAndReasoningWhereverTheBytesAreCut(Shape shape,
      long seed) throws Exception {
    ReasoningRecorder l = run(cutAtRandomBytes(shape.body(), seed));

    LlmCompletion c = l.awaitCompletion();
    assertEquals(shape.text(), l.text(), "the answer is the text parts only");
    assertEquals(shape.reasoning(), l.reasoningText(), "reasoning only through onReasoning");
    assertEquals(shape.finishReason(), c.finishReason());
    assertEquals(shape.usage(), c.usage());
    assertEquals(shape.model(), c.model());
    assertEquals(1, l.terminalCalls.get());
    List<String> events = l.events();
    assertEquals("complete", events.get(events.size() - 1));
  }

  @Test
  void reasoningThatCameFirstIsHeardBeforeTheFirstToken() throws Exception {
    ReasoningRecorder l = run(cutAtRandomBytes(DEEPSEEK_REASONER, 3));

    l.awaitCompletion();
    assertEquals(List.of("reasoning:Okay, the user", "reasoning: says hello.", "token:Hello!",
        "token: How can I help?", "complete"), l.events());
  }

  @Test
  void aThinkingPartAndATextPartInOneDeltaAreHeardInTheirOrder() throws Exception {
    String body = mistral("{\"content\":[{\"type\":\"thinking\",\"thinking\":[{\"type\":\"text\","
        + "\"text\":\"last thought\"}]},{\"type\":\"text\",\"text\":\"first word\"}]}", "\"stop\"")
        + SampleStreams.DONE;
    ReasoningRecorder l = run(cutAtRandomBytes(body, 1));

    l.awaitCompletion();
    assertEquals(List.of("reasoning:last thought", "token:first word", "complete"), l.events());
  }

  @Test
  void contentPartsOfOtherKindsAreNeitherAnswerNorReasoning() throws Exception {
    String body = mistral("{\"content\":[{\"type\":\"reference\",\"reference_ids\":[1,2]},"
        + "{\"type\":\"text\",\"text\":\"As cited.\"}]}", "\"stop\"") + SampleStreams.DONE;
    ReasoningRecorder l = run(cutAtRandomBytes(body, 2));

    l.awaitCompletion();
    assertEquals(List.of("token:As cited.", "complete"), l.events());
  }

  // ---------------------------------------------------------------- llama.cpp's error field

  /**
   * llama.cpp's server (2025 builds) failing at HTTP 200: its error as a non-standard SSE field,
   * then {@code [DONE]} as if all went well.
   */
  static final String LLAMA_CPP_ERROR_FIELD = ""
      + "error: {\"code\":400,\"message\":\"the request exceeds the available context size. try "
      + "increasing the context size or enable context shift\",\"type\":\"invalid_request_error\"}"
      + "\n\n"
      + "data: [DONE]\n\n";

  static Stream<Long> seeds() {
    return Stream.of(1L, 2L, 3L, 4L, 5L);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void llamaCppsErrorFieldIsAProviderErrorWithItsMessageNotAnEmptyAnswer(long seed)
      throws Exception {
    ReasoningRecorder l = run(cutAtRandomBytes(LLAMA_CPP_ERROR_FIELD, seed));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals(OfficeHoursException.Stage.LLM, e.stage());
    assertEquals("the request exceeds the available context size. try increasing the context "
        + "size or enable context shift", e.providerMessage().orElseThrow());
    assertEquals("invalid_request_error", e.errorType().orElseThrow());
    assertEquals("400", e.errorCode().orElseThrow());
    assertFalse(e.retryable(), "the same request would exceed the context again");
    assertEquals(List.of("error"), l.events());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void llamaCppsErrorFieldAfterTokensEndsTheCallAndKeepsWhatWasSaid() throws Exception {
    String body = SampleStreams.delta("Bon")
        + "error: {\"code\":500,\"message\":\"Failed to decode the batch\",\"type\":\"server_error\"}"
        + "\n\n" + SampleStreams.DONE;
    ReasoningRecorder l = run(cutAtRandomBytes(body, 4));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals("Failed to decode the batch", e.providerMessage().orElseThrow());
    assertFalse(e.retryable(), "the listener already heard part of an answer");
    assertEquals(List.of("token:Bon", "error"), l.events());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void aTransientErrorFieldBeforeAnyOutputIsRetried() throws Exception {
    server.enqueue(cutAtRandomBytes("error: {\"code\":503,\"message\":\"Loading model\","
        + "\"type\":\"unavailable_error\"}\n\n" + SampleStreams.DONE, 5));
    ReasoningRecorder l = run(cutAtRandomBytes(SampleStreams.delta("ok")
        + SampleStreams.finish("stop") + SampleStreams.DONE, 6));

    l.awaitCompletion();
    assertEquals(List.of("token:ok", "complete"), l.events());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void anErrorFieldThatIsNotJsonIsTheMessageItself() throws Exception {
    ReasoningRecorder l = run(cutAtRandomBytes("error: upstream went away\n\n", 7));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals("upstream went away", e.providerMessage().orElseThrow());
  }

  @Test
  void anEventOfTypeErrorIsAnErrorToo() throws Exception {
    ReasoningRecorder l = run(cutAtRandomBytes("event: error\ndata: {\"error\":{\"message\":"
        + "\"quota exceeded\",\"type\":\"insufficient_quota\"}}\n\n", 8));

    ProviderException e = (ProviderException) l.awaitError();
    assertEquals("quota exceeded", e.providerMessage().orElseThrow());
    assertEquals("insufficient_quota", e.errorType().orElseThrow());
  }

  @Test
  void reasoningDeliveredBeforeAFailureIsNotHeardTwice() throws Exception {
    server.enqueue(cutAtRandomBytes(deepSeek("{\"content\":null,\"reasoning_content\":\"Thinking\"}",
        "null", "null") + "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\"}}"
        + "\n\n", 9));
    server.enqueue(cutAtRandomBytes(DEEPSEEK_REASONER, 9));
    ReasoningRecorder l = new ReasoningRecorder();
    chat().stream(ChatRequest.builder(List.of(ChatMessage.user("?"))).build(), l);

    ProviderException e = (ProviderException) l.awaitError();
    assertFalse(e.retryable());
    assertEquals(List.of("reasoning:Thinking", "error"), l.events());
    assertEquals(1, server.getRequestCount());
  }
}
