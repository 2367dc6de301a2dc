package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.TokenUsage;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.llm.ToolChoice;
import dev.officehours.llm.ToolDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Function calling over the wire with {@link OpenAiChat}: the tools and tool messages a request
 * sends, as the server receives them, and the tool-call stream shapes of real servers, each cut
 * at random byte boundaries, assembled into {@link LlmCompletion#toolCalls()}.
 */
class OpenAiChatToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DAY_SCHEMA = "{\"type\":\"object\",\"properties\":{\"day\":"
      + "{\"type\":\"string\",\"enum\":[\"today\",\"tomorrow\"]}},\"required\":[\"day\"]}";
  private static final ToolDefinition OFFICE_HOURS = new ToolDefinition("check_office_hours",
      "Free office-hour slots on a day", DAY_SCHEMA);
  private static final ToolDefinition BOOK = new ToolDefinition("book_slot", "",
      "{\"type\":\"object\",\"properties\":{}}");

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
    return OpenAiChat.builder().baseUrl(server.url("/v1").toString()).model("gpt-4o-mini")
        .build();
  }

  private static MockResponse sse(String body) {
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body)
        .build();
  }

  private static JsonNode json(String s) throws IOException {
    return JSON.readTree(s);
  }

  /** Sends {@code request}, answered by a plain stream, and returns the body the server got. */
  private JsonNode sentBody(ChatRequest request) throws Exception {
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = new RecordingListener();
    chat().stream(request, l);
    l.awaitCompletion();
    return json(server.takeRequest().getBody().utf8());
  }

  // ---------------------------------------------------------------- what the request sends

  @Test
  void toolsAreOfferedAsFunctionsWithTheirSchemaEmbeddedAsJsonAndTheToolChoice() throws Exception {
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("When are office hours?")))
        .tools(List.of(OFFICE_HOURS, BOOK)).toolChoice(ToolChoice.REQUIRED).build();

    assertEquals(json("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"When are office hours?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":"
        + "\"check_office_hours\",\"description\":\"Free office-hour slots on a day\","
        + "\"parameters\":" + DAY_SCHEMA + "}},{\"type\":\"function\",\"function\":{\"name\":"
        + "\"book_slot\",\"description\":\"\",\"parameters\":{\"type\":\"object\",\"properties\":"
        + "{}}}}],\"tool_choice\":\"required\",\"stream\":true,\"stream_options\":"
        + "{\"include_usage\":true}}"), sentBody(request));
  }

  @Test
  void theBodyIsWrittenInOneFixedOrderWithExtraFieldsLast() throws Exception {
    java.util.Map<String, Object> extras = new java.util.LinkedHashMap<>();
    extras.put("seed", 7);
    extras.put("top_p", new java.math.BigDecimal("0.50")); // as written, trailing zero included
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.system("Be brief."),
            ChatMessage.user("Hours \"today\"?\nÀ demain")))
        .tools(List.of(BOOK)).toolChoice(ToolChoice.AUTO).maxTokens(150).temperature(0.25)
        .extraBody(extras).build();
    server.enqueue(sse(SampleStreams.OPENAI));
    RecordingListener l = new RecordingListener();
    chat().stream(request, l);
    l.awaitCompletion();

    assertEquals("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
        + "\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hours \\\"today\\\"?\\nÀ demain\"}],\"tools\":"
        + "[{\"type\":\"function\",\"function\":{\"name\":\"book_slot\",\"description\":\"\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}}],\"tool_choice\":\"auto\","
        + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":150,"
        + "\"temperature\":0.25,\"seed\":7,\"top_p\":0.50}", server.takeRequest().getBody().utf8());
  }

  @ParameterizedTest
  @EnumSource(ToolChoice.class)
  void eachToolChoiceIsSentByItsWireName(ToolChoice choice) throws Exception {
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("Hi")))
        .tools(List.of(OFFICE_HOURS)).toolChoice(choice).build();
    assertEquals(choice.name().toLowerCase(java.util.Locale.ROOT), sentBody(request).get("tool_choice").asText());
  }

  @Test
  void withoutToolsNeitherToolsNorToolChoiceIsSent() throws Exception {
    ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("Hi")))
        .toolChoice(ToolChoice.REQUIRED).build();
    JsonNode body = sentBody(request);
    assertFalse(body.has("tools"), body.toString());
    assertFalse(body.has("tool_choice"), body.toString());
  }

  @Test
  void anAssistantsToolCallsAndTheToolResultsAreSentInOpenAisShape() throws Exception {
    ChatRequest request = ChatRequest.builder(List.of(
        ChatMessage.system("You are the front desk."),
        ChatMessage.user("Office hours tomorrow, and book the first?"),
        ChatMessage.assistant("", List.of(
            new ToolCallRequest(0, "call_A1", "check_office_hours", "{\"day\":\"tomorrow\"}"),
            new ToolCallRequest(1, "call_B2", "book_slot", ""))),
        ChatMessage.toolResult("call_A1", "{\"slots\":[\"10:00\",\"14:00\"]}"),
        ChatMessage.toolResult("call_B2", "{\"error\":\"no slot given\"}"),
        ChatMessage.assistant("Let me book it.", List.of(
            new ToolCallRequest(0, "call_C3", "book_slot", "{\"at\":\"10:00\"}"))),
        ChatMessage.toolResult("call_C3", "booked")))
        .tools(List.of(OFFICE_HOURS, BOOK)).build();

    assertEquals(json("["
        + "{\"role\":\"system\",\"content\":\"You are the front desk.\"},"
        + "{\"role\":\"user\",\"content\":\"Office hours tomorrow, and book the first?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        + "{\"id\":\"call_A1\",\"type\":\"function\",\"function\":{\"name\":\"check_office_hours\","
        + "\"arguments\":\"{\\\"day\\\":\\\"tomorrow\\\"}\"}},"
        + "{\"id\":\"call_B2\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\","
        + "\"arguments\":\"{}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_A1\",\"content\":"
        + "\"{\\\"slots\\\":[\\\"10:00\\\",\\\"14:00\\\"]}\"},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_B2\",\"content\":"
        + "\"{\\\"error\\\":\\\"no slot given\\\"}\"},"
        + "{\"role\":\"assistant\",\"content\":\"Let me book it.\",\"tool_calls\":["
        + "{\"id\":\"call_C3\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\","
        + "\"arguments\":\"{\\\"at\\\":\\\"10:00\\\"}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_C3\",\"content\":\"booked\"}]"),
        sentBody(request).get("messages"));
  }

  @Test
  void aToolSchemaThatIsNotAJsonObjectIsRejectedBeforeAnyRequest() {
    for (String schema : List.of("not json", "[]", "\"object\"", "")) {
      ChatRequest request = ChatRequest.builder(List.of(ChatMessage.user("Hi")))
          .tools(List.of(new ToolDefinition("broken", "", schema))).build();
      RecordingListener l = new RecordingListener();
      InvalidRequestException e = assertThrows(InvalidRequestException.class,
          () -> chat().stream(request, l), schema);
      assertEquals("tools", e.field());
      assertEquals("the parameters schema of tool 'broken' is not a JSON object", e.getMessage());
      assertEquals(List.of(), l.events());
    }
    assertEquals(0, server.getRequestCount());
  }

  // ---------------------------------------------------------------- tool-call stream shapes

  private static String chunk(String choice) {
    return "data: {\"id\":\"chatcmpl-W1r3\",\"object\":\"chat.completion.chunk\",\"created\":"
        + "1731400100,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_0ba0d124f1\","
        + "\"choices\":[" + choice + "],\"usage\":null}\n\n";
  }

  private static final String USAGE_AND_DONE = "data: {\"id\":\"chatcmpl-W1r3\",\"object\":"
      + "\"chat.completion.chunk\",\"created\":1731400100,\"model\":\"gpt-4o-mini-2024-07-18\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":30,"
      + "\"total_tokens\":150}}\n\ndata: [DONE]\n\n";

  /** OpenAI: the model says something first, then calls; arguments with non-ASCII text. */
  static final String TEXT_THEN_TOOL_CALL = ""
      + chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
          + "\"logprobs\":null,\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"content\":\"Einen Moment,\"},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"content\":\" ich schaue nach…\"},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_Zrh1\","
          + "\"type\":\"function\",\"function\":{\"name\":\"check_office_hours\",\"arguments\":"
          + "\"\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          + "\"{\\\"day\\\":\\\"tomorrow\\\",\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
          + "\"\\\"office\\\":\\\"Zürich\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}")
      + USAGE_AND_DONE;

  /**
   * Groq: every call whole in one piece, parallel calls side by side in one delta, a request id
   * in {@code x_groq}, and the usage in {@code x_groq.usage} of the last chunk.
   */
  static final String GROQ_TOOL_CALLS = ""
      + "data: {\"id\":\"chatcmpl-5c1e0b7a\",\"object\":\"chat.completion.chunk\",\"created\":"
      + "1731400200,\"model\":\"llama-3.3-70b-versatile\",\"system_fingerprint\":\"fp_9a8b91ba77\","
      + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"x_groq\":{\"id\":\"req_01jq8t3x9e\"}}\n\n"
      + "data: {\"id\":\"chatcmpl-5c1e0b7a\",\"object\":\"chat.completion.chunk\",\"created\":"
      + "1731400200,\"model\":\"llama-3.3-70b-versatile\",\"system_fingerprint\":\"fp_9a8b91ba77\","
      + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_g7k2\",\"type\":"
      + "\"function\",\"function\":{\"name\":\"check_office_hours\",\"arguments\":"
      + "\"{\\\"day\\\":\\\"today\\\",\\\"office\\\":\\\"東京\\\"}\"},\"index\":0},{\"id\":"
      + "\"call_h8m3\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\",\"arguments\":"
      + "\"{}\"},\"index\":1}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-5c1e0b7a\",\"object\":\"chat.completion.chunk\",\"created\":"
      + "1731400200,\"model\":\"llama-3.3-70b-versatile\",\"system_fingerprint\":\"fp_9a8b91ba77\","
      + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
      + "\"x_groq\":{\"id\":\"req_01jq8t3x9e\",\"usage\":{\"queue_time\":0.019,\"prompt_tokens\":233,"
      + "\"prompt_time\":0.011,\"completion_tokens\":41,\"completion_time\":0.149,"
      + "\"total_tokens\":274,\"total_time\":0.16}}}\n\n"
      + "data: [DONE]\n\n";

  /** A server that repeats the call's index, id, type and name in every piece of it. */
  static final String REPEATED_ID_AND_NAME = ""
      + chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":"
          + "\"call_R1\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\",\"arguments\":"
          + "\"{\\\"at\\\":\"}}]},\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":"
          + "\"call_R1\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\",\"arguments\":"
          + "\" \\\"10:00\\\"\"}}]},\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":"
          + "\"call_R1\",\"type\":\"function\",\"function\":{\"name\":\"book_slot\",\"arguments\":"
          + "\"}\"}}]},\"finish_reason\":null}")
      + chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
          + "\"finish_reason\":\"tool_calls\"}")
      + USAGE_AND_DONE;

  /** The same repeating server without indexes: the repeated id says which call continues. */
  static final String REPEATED_ID_AND_NAME_WITHOUT_INDEX = REPEATED_ID_AND_NAME
      .replace("[{\"index\":0,\"id\"", "[{\"id\"");

  private static final TokenUsage OPENAI_USAGE = new TokenUsage(120, 30, 150);

  /** A stream shape and what it must come to. */
  private record Shape(String name, String body, String text, List<ToolCallRequest> calls,
      TokenUsage usage) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Shape> SHAPES = List.of(
      new Shape("OpenAI, one call", SampleStreams.OPENAI_TOOL_CALL, "",
          List.of(new ToolCallRequest(0, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather",
              "{\"location\":\"Paris, France\"}")), new TokenUsage(80, 18, 98)),
      new Shape("OpenAI, parallel calls interleaved", SampleStreams.OPENAI_PARALLEL_TOOL_CALLS, "",
          List.of(new ToolCallRequest(0, "call_A1", "get_weather", "{\"city\": \"Paris\"}"),
              new ToolCallRequest(1, "call_B2", "get_time", "{\"zone\": \"CET\"}")),
          new TokenUsage(80, 18, 98)),
      new Shape("OpenAI, text then a call", TEXT_THEN_TOOL_CALL, "Einen Moment, ich schaue nach…",
          List.of(new ToolCallRequest(0, "call_Zrh1", "check_office_hours",
              "{\"day\":\"tomorrow\",\"office\":\"Zürich\"}")), OPENAI_USAGE),
      new Shape("Groq, whole parallel calls in one delta", GROQ_TOOL_CALLS, "",
          List.of(new ToolCallRequest(0, "call_g7k2", "check_office_hours",
                  "{\"day\":\"today\",\"office\":\"東京\"}"),
              new ToolCallRequest(1, "call_h8m3", "book_slot", "{}")),
          new TokenUsage(233, 41, 274)),
      new Shape("id and name repeated in every piece", REPEATED_ID_AND_NAME, "",
          List.of(new ToolCallRequest(0, "call_R1", "book_slot", "{\"at\": \"10:00\"}")),
          OPENAI_USAGE),
      new Shape("id and name repeated, no index", REPEATED_ID_AND_NAME_WITHOUT_INDEX, "",
          List.of(new ToolCallRequest(0, "call_R1", "book_slot", "{\"at\": \"10:00\"}")),
          OPENAI_USAGE));

  static Stream<Arguments> shapesCutAtRandomBytes() {
    List<Arguments> all = new ArrayList<>();
    for (Shape shape : SHAPES) {
      for (long seed = 1; seed <= 5; seed++) {
        all.add(Arguments.of(shape, seed));
      }
    }
    return all.stream();
  }

  /** The body as HTTP chunks cut at random byte offsets, even inside a UTF-8 character. */
  private static MockResponse cutAtRandomBytes(String body, long seed) {
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

  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("shapesCutAtRandomBytes")
  void toolCallStreamsOfRealServersAssembleTheSameCallsWhereverTheBytesAreCut(Shape shape,
      long seed) throws Exception {
    server.enqueue(cutAtRandomBytes(shape.body(), seed));
    RecordingListener l = new RecordingListener();
    chat().stream(ChatRequest.builder(List.of(ChatMessage.user("?")))
        .tools(List.of(OFFICE_HOURS, BOOK)).build(), l);

    LlmCompletion c = l.awaitCompletion();
    assertEquals(shape.calls(), c.toolCalls());
    assertEquals("tool_calls", c.finishReason());
    assertEquals(shape.usage(), c.usage());
    assertEquals(shape.text(), l.text(), "only content is answer text, never a call");
    // the text came first, as tokens, and the calls only with the completion
    List<String> events = l.events();
    assertEquals("complete", events.get(events.size() - 1));
    assertEquals(1, l.terminalCalls.get());
    for (ToolCallRequest call : c.toolCalls()) {
      assertTrue(JSON.readTree(call.arguments()).isObject(), call.arguments());
    }
  }
}
