package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.ToolCallStarted;
import dev.officehours.ToolResult;
import dev.officehours.TurnEvent;
import dev.officehours.TurnListener;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.tools.Tool;
import dev.officehours.tools.ToolStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tool turn through the real OpenAI-compatible providers over loopback HTTP: recorded stream
 * shapes (OpenAI's parallel calls interleaved with text before them, then Groq's whole call in one
 * piece) across two rounds, the requests the server receives, and the spoken answer in order.
 */
class ToolRoundsOverHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DAY = "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\"}},"
      + "\"required\":[\"day\"]}";

  /** Round 1, as OpenAI streams it: a sentence, then two calls whose pieces interleave. */
  static final String OPENAI_PARALLEL = String.join("",
      data("{\"id\":\"r1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"role\":\"assistant\",\"content\":\"Let me check\"},\"finish_reason\":null}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" both days.\"}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
          + "\"type\":\"function\",\"function\":{\"name\":\"check_office_hours\",\"arguments\":\"\"}}]}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\","
          + "\"type\":\"function\",\"function\":{\"name\":\"check_office_hours\",\"arguments\":\"\"}}]}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
          + "\"function\":{\"arguments\":\"{\\\"day\\\":\"}}]}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
          + "\"function\":{\"arguments\":\"{\\\"day\\\":\\\"friday\\\"}\"}}]}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
          + "\"function\":{\"arguments\":\"\\\"monday\\\"}\"}}]}}]}"),
      data("{\"id\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"),
      "data: [DONE]\n\n");

  /** Round 2, as Groq streams it: the whole call in one piece, its usage under x_groq. */
  static final String GROQ_WHOLE_CALL = String.join("",
      data("{\"id\":\"r2\",\"object\":\"chat.completion.chunk\",\"model\":\"llama-3.3-70b-versatile\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_g\",\"type\":\"function\","
          + "\"function\":{\"name\":\"book_slot\",\"arguments\":\"{\\\"day\\\":\\\"monday\\\"}\"},\"index\":0}]},"
          + "\"logprobs\":null,\"finish_reason\":null}],\"x_groq\":{\"id\":\"req_1\"}}"),
      data("{\"id\":\"r2\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],"
          + "\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":20,\"total_tokens\":110}}}"),
      "data: [DONE]\n\n");

  static final String ANSWER = String.join("",
      data("{\"id\":\"r3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Monday at ten is booked.\"}}]}"),
      data("{\"id\":\"r3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Friday has no slots.\"}}]}"),
      data("{\"id\":\"r3\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"),
      "data: [DONE]\n\n");

  private static String data(String json) {
    return "data: " + json + "\n\n";
  }

  private MockWebServer server;
  private final List<String> chatBodies = new CopyOnWriteArrayList<>();
  private final List<String> spoken = new CopyOnWriteArrayList<>();
  private final InMemoryConversationStore store = InMemoryConversationStore.create();
  private ConversationPipeline pipeline;

  @BeforeEach
  void start() throws IOException {
    List<String> chatResponses = List.of(OPENAI_PARALLEL, GROQ_WHOLE_CALL, ANSWER);
    server = new MockWebServer();
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String body = request.getBody().utf8();
        if (request.getUrl().encodedPath().endsWith("/chat/completions")) {
          chatBodies.add(body);
          return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
              .body(chatResponses.get(chatBodies.size() - 1)).build();
        }
        try {
          spoken.add(JSON.readTree(body).get("input").asText());
        } catch (IOException e) {
          throw new AssertionError(e);
        }
        return new MockResponse.Builder().setHeader("Content-Type", "audio/pcm")
            .body(new Buffer().write(new byte[4800])).build();
      }
    });
    server.start();
    String base = server.url("/v1").toString();
    RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(10), Duration.ofSeconds(1));
    Tool slots = Tool.of("check_office_hours", "Free slots on a day", DAY, (args, ctx) ->
        CompletableFuture.completedFuture(args.string("day").equals("monday")
            ? "{\"slots\":[\"10:00\"]}" : "{\"slots\":[]}"));
    Tool book = Tool.blocking("book_slot", "Books the first free slot", DAY,
        (args, ctx) -> "{\"booked\":\"" + args.string("day") + " 10:00\"}").uncancellable();
    pipeline = ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(base).apiKey("sk-test").retryPolicy(once).build())
        .tts(OpenAiSpeech.builder().baseUrl(base).apiKey("sk-test").retryPolicy(once).build())
        .conversationStore(store)
        .tools(slots, book)
        .build();
  }

  @AfterEach
  void stop() {
    pipeline.close();
    server.close();
  }

  @Test
  void twoRoundsOfRecordedShapesEndInOneSpokenAnswerInOrder() throws Exception {
    List<TurnEvent> events = new CopyOnWriteArrayList<>();
    TurnResult result = pipeline.start(
        TurnRequest.of("s1", "Book me Monday, and is Friday free?"), TurnListener.of(events::add))
        .completion().get(20, java.util.concurrent.TimeUnit.SECONDS);

    assertEquals("Let me check both days. Monday at ten is booked. Friday has no slots.", result.text());
    // Syntheses run concurrently, so they reach the server in any order; audio plays in order.
    assertEquals(List.of("Friday has no slots.", "Let me check both days.", "Monday at ten is booked."),
        spoken.stream().sorted().collect(Collectors.toList()));
    List<AudioFrame> audio = events.stream().filter(AudioFrame.class::isInstance)
        .map(AudioFrame.class::cast).collect(Collectors.toList());
    assertEquals(List.of("Let me check both days.", "Monday at ten is booked.", "Friday has no slots."),
        audio.stream().map(AudioFrame::chunkText).distinct().collect(Collectors.toList()),
        "what was said before the calls is heard first, the answer after them, in order");
    assertEquals(List.of(0, 1, 2), audio.stream().map(AudioFrame::chunkIndex).distinct().collect(Collectors.toList()));

    assertEquals(3, chatBodies.size());
    JsonNode first = JSON.readTree(chatBodies.get(0));
    assertEquals("auto", first.get("tool_choice").asText());
    assertEquals(List.of("check_office_hours", "book_slot"), names(first.get("tools")));
    assertEquals("object", first.get("tools").get(0).get("function").get("parameters").get("type").asText());

    JsonNode second = JSON.readTree(chatBodies.get(1)).get("messages");
    JsonNode asked = second.get(second.size() - 3);
    assertEquals("assistant", asked.get("role").asText());
    assertEquals("Let me check both days.", asked.get("content").asText());
    assertEquals("{\"day\":\"monday\"}", asked.get("tool_calls").get(0).get("function").get("arguments").asText());
    assertEquals("call_b", asked.get("tool_calls").get(1).get("id").asText());
    assertEquals("tool", second.get(second.size() - 2).get("role").asText());
    assertEquals("call_a", second.get(second.size() - 2).get("tool_call_id").asText());
    assertEquals("{\"slots\":[\"10:00\"]}", second.get(second.size() - 2).get("content").asText());
    assertEquals("{\"slots\":[]}", second.get(second.size() - 1).get("content").asText());

    JsonNode third = JSON.readTree(chatBodies.get(2)).get("messages");
    JsonNode booked = third.get(third.size() - 1);
    assertEquals("call_g", booked.get("tool_call_id").asText());
    assertEquals("{\"booked\":\"monday 10:00\"}", booked.get("content").asText());
    assertTrue(third.get(third.size() - 2).get("content").isNull(),
        "a round that said nothing before its call sends content null");

    List<ToolCallStarted> calls = events.stream().filter(ToolCallStarted.class::isInstance)
        .map(ToolCallStarted.class::cast).collect(Collectors.toList());
    assertEquals(List.of(1, 1, 2), calls.stream().map(ToolCallStarted::round).collect(Collectors.toList()));
    assertTrue(result.toolResults().stream().allMatch(r -> r.status() == ToolStatus.OK));
    assertEquals(3, result.metrics().llmRounds());
    assertEquals(3, events.stream().filter(ToolResult.class::isInstance).count());

    List<String> history = new ArrayList<>();
    for (HistoryMessage m : store.load("s1").join()) {
      history.add(m.role().wireName() + (m.toolCalls().isEmpty() ? "" : "x" + m.toolCalls().size()));
    }
    assertEquals(List.of("user", "assistantx2", "tool", "tool", "assistantx1", "tool", "assistant"), history);
    assertEquals(ChatMessage.Role.ASSISTANT, store.load("s1").join().get(6).role());
  }

  private static List<String> names(JsonNode tools) {
    List<String> out = new ArrayList<>();
    tools.forEach(t -> out.add(t.get("function").get("name").asText()));
    return out;
  }
}
