package dev.officehours.examples.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SimulatedOpenAiServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final OkHttpClient CLIENT = new OkHttpClient.Builder()
      .dispatcher(dispatcher())
      .readTimeout(Duration.ofSeconds(30))
      .build();

  @AfterAll
  static void shutdown() {
    CLIENT.dispatcher().executorService().shutdown();
    CLIENT.connectionPool().evictAll();
  }

  private static Dispatcher dispatcher() {
    Dispatcher d = new Dispatcher();
    d.setMaxRequests(500);
    d.setMaxRequestsPerHost(500);
    return d;
  }

  /** What a client saw of one streamed completion, with arrival times. */
  record Streamed(List<JsonNode> events, List<Long> contentNanos, long startNanos, boolean done, String simulatedHeader) {
    String content() {
      StringBuilder sb = new StringBuilder();
      for (JsonNode e : events) {
        for (JsonNode c : e.path("choices")) {
          sb.append(c.path("delta").path("content").asText(""));
        }
      }
      return sb.toString();
    }
  }

  static Request chatRequest(SimulatedOpenAiServer server, String question, String extra) {
    String body = "{\"model\":\"x\",\"stream\":true" + extra + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":" + Json.quote(question) + "}]}";
    return new Request.Builder().url(server.baseUrl() + "/chat/completions")
        .post(RequestBody.create(body, JSON_TYPE)).build();
  }

  static Streamed stream(Request request) throws IOException {
    long start = System.nanoTime();
    try (Response response = CLIENT.newCall(request).execute()) {
      assertEquals(200, response.code());
      BufferedSource source = response.body().source();
      List<JsonNode> events = new ArrayList<>();
      List<Long> contentNanos = new ArrayList<>();
      boolean done = false;
      String line;
      while ((line = source.readUtf8Line()) != null) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
          done = true;
          continue;
        }
        JsonNode event = JSON.readTree(data);
        events.add(event);
        if (!event.path("choices").path(0).path("delta").path("content").asText("").isEmpty()) {
          contentNanos.add(System.nanoTime());
        }
      }
      return new Streamed(events, contentNanos, start, done, response.header(SimulatedOpenAiServer.SIMULATED_HEADER));
    }
  }

  @Test
  void streamsRoleContentFinishUsageAndDoneLabelledAsSimulated() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .timeToFirstToken(Duration.ZERO).tokenInterval(Duration.ZERO).tokenJitter(Duration.ZERO).start()) {
      Streamed s = stream(chatRequest(server, "What is OfficeHours?", ",\"stream_options\":{\"include_usage\":true}"));

      assertEquals("true", s.simulatedHeader());
      assertTrue(s.done(), "ends with [DONE]");
      assertEquals("assistant", s.events().get(0).path("choices").path(0).path("delta").path("role").asText());
      assertEquals(KnowledgeBase.answer("What is OfficeHours?"), s.content());
      JsonNode finish = s.events().get(s.events().size() - 2);
      assertEquals("stop", finish.path("choices").path(0).path("finish_reason").asText());
      JsonNode usage = s.events().get(s.events().size() - 1);
      assertEquals(0, usage.path("choices").size());
      assertEquals(s.contentNanos().size(), usage.path("usage").path("completion_tokens").asInt());
      assertEquals(SimulatedOpenAiServer.MODEL, usage.path("model").asText());
      assertEquals(1, server.stats().chatRequests());
    }
  }

  @Test
  void sameQuestionGetsSameAnswerAndUsageOnlyWhenAsked() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .timeToFirstToken(Duration.ZERO).tokenInterval(Duration.ZERO).start()) {
      Streamed a = stream(chatRequest(server, "How does caching work?", ""));
      Streamed b = stream(chatRequest(server, "How does caching work?", ""));
      assertEquals(a.content(), b.content());
      assertTrue(a.content().contains("cache"), a.content());
      assertTrue(a.events().stream().noneMatch(e -> e.has("usage")), "no usage chunk unless include_usage");
    }
  }

  @Test
  void honoursTimeToFirstTokenAndTokenInterval() throws IOException {
    Duration ttft = Duration.ofMillis(250);
    Duration interval = Duration.ofMillis(40);
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .timeToFirstToken(ttft).tokenInterval(interval).tokenJitter(Duration.ZERO).answerWords(12).start()) {
      Streamed s = stream(chatRequest(server, "What is OfficeHours?", ""));

      assertEquals(12, s.contentNanos().size());
      long measuredTtft = s.contentNanos().get(0) - s.startNanos();
      // The server never writes early; generous upper bounds only guard against ignoring the setting.
      assertTrue(measuredTtft >= ttft.toNanos(), "TTFT " + measuredTtft / 1e6 + " ms");
      assertTrue(measuredTtft < ttft.toNanos() + 2_000_000_000L, "TTFT " + measuredTtft / 1e6 + " ms");
      long span = s.contentNanos().get(11) - s.contentNanos().get(0);
      double meanGapMs = span / 11 / 1e6;
      assertTrue(meanGapMs >= 40 * 0.9 && meanGapMs < 40 * 5, "mean inter-token gap " + meanGapMs + " ms");
    }
  }

  @Test
  void cutsTheAnswerAtMaxTokensWithFinishReasonLength() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .timeToFirstToken(Duration.ZERO).tokenInterval(Duration.ZERO).start()) {
      Streamed s = stream(chatRequest(server, "What is OfficeHours?", ",\"max_tokens\":5"));
      assertEquals(5, s.contentNanos().size());
      assertEquals("length", s.events().get(s.events().size() - 1).path("choices").path(0).path("finish_reason").asText());
    }
  }

  @Test
  void injectsHttpFaultsWithOpenAiErrorBodies() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .faultRate(1.0).faults(Set.of(Fault.HTTP_429)).start()) {
      try (Response r = CLIENT.newCall(chatRequest(server, "hi", "")).execute()) {
        assertEquals(429, r.code());
        assertEquals("100", r.header("retry-after-ms"));
        JsonNode error = JSON.readTree(r.body().string()).path("error");
        assertEquals("rate_limit_exceeded", error.path("code").asText());
        assertEquals("requests", error.path("type").asText());
      }
      assertEquals(1L, server.stats().faults().get("rate_limit_exceeded"));
    }
  }

  @Test
  void injectsExactlyTheConfiguredShareOfFaults() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().faultRate(0.25)
        .faults(Set.of(Fault.HTTP_500, Fault.HTTP_503)).seed(7).start()) {
      int failed = 0;
      for (int i = 0; i < 40; i++) {
        try (Response r = CLIENT.newCall(chatRequest(server, "hi", "").newBuilder()
            .post(RequestBody.create("{\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                JSON_TYPE)).build()).execute()) {
          if (r.code() != 200) {
            failed++;
            assertTrue(r.code() == 500 || r.code() == 503, "status " + r.code());
          }
        }
      }
      assertTrue(failed >= 9 && failed <= 11, failed + " of 40 failed at 25 %");
      assertEquals(failed, server.stats().totalFaults());
    }
  }

  @Test
  void injectsAnErrorEventInTheMiddleOfTheStream() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ZERO).answerWords(10).faultRate(1.0).faults(Set.of(Fault.STREAM_ERROR)).start()) {
      Streamed s = stream(chatRequest(server, "What is OfficeHours?", ""));
      assertEquals(5, s.contentNanos().size());
      assertFalse(s.done());
      assertEquals("simulated_stream_error", s.events().get(s.events().size() - 1).path("error").path("code").asText());
    }
  }

  private static Request speechWithoutFormat(SimulatedOpenAiServer server) {
    return new Request.Builder().url(server.baseUrl() + "/audio/speech")
        .post(RequestBody.create("{\"model\":\"tts\",\"input\":\"Hello there.\",\"voice\":\"alloy\"}", JSON_TYPE))
        .build();
  }

  @Test
  void aSpeechRequestWithoutAFormatAsksForMp3WhichItCannotEncode() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().ttsTimeToFirstByte(Duration.ZERO).start();
        Response response = CLIENT.newCall(speechWithoutFormat(server)).execute()) {
      assertEquals(400, response.code());
      assertEquals("unsupported_response_format",
          JSON.readTree(response.body().string()).path("error").path("code").asText());
    }
  }

  @Test
  void aDefaultSpeechFormatServesRequestsThatNameNone() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().ttsTimeToFirstByte(Duration.ZERO)
        .ttsRealTimeFactor(0).defaultSpeechFormat("pcm").start();
        Response response = CLIENT.newCall(speechWithoutFormat(server)).execute()) {
      assertEquals(200, response.code());
      assertEquals("audio/pcm", response.header("Content-Type"));
      byte[] audio = response.body().bytes();
      assertTrue(audio.length > 0 && audio.length % 2 == 0, "whole 16-bit samples: " + audio.length);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SimulatedOpenAiServer.builder().defaultSpeechFormat("opus"));
    assertEquals("defaultSpeechFormat must be mp3, pcm or wav but was opus", e.getMessage());
  }

  @Test
  void recordsWhenEachChatRequestArrivedOnlyWhenAsked() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ZERO).tokenJitter(Duration.ZERO).recordChatArrivals(true).start()) {
      long before = System.nanoTime();
      stream(chatRequest(server, "hi", ""));
      stream(chatRequest(server, "hi", ""));
      long after = System.nanoTime();
      List<Long> arrivals = server.drainChatArrivals();
      assertEquals(2, arrivals.size());
      assertTrue(before <= arrivals.get(0) && arrivals.get(0) <= arrivals.get(1) && arrivals.get(1) <= after, arrivals.toString());
      assertTrue(server.drainChatArrivals().isEmpty(), "drained");
    }
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO).start()) {
      stream(chatRequest(server, "hi", ""));
      assertTrue(server.drainChatArrivals().isEmpty(), "not recorded unless asked");
    }
  }

  @Test
  void anIdleTimeoutOutsideOneSecondToAnHourIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SimulatedOpenAiServer.builder().idleTimeout(Duration.ofMillis(500)));
    assertEquals("idleTimeout must be in [1 s, 1 h] but was PT0.5S", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SimulatedOpenAiServer.builder().idleTimeout(Duration.ofHours(2)));
  }

  @Test
  void countsTheConnectionsClientsOpen() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ZERO).tokenJitter(Duration.ZERO).start()) {
      for (int i = 0; i < 3; i++) {
        assertTrue(stream(chatRequest(server, "hi", "")).done());
      }
      assertEquals(1, server.connectionsOpened(), "one keep-alive connection for three sequential requests");
      OkHttpClient other = new OkHttpClient();
      try (Response r = other.newCall(chatRequest(server, "hi", "")).execute()) {
        r.body().string();
      }
      other.connectionPool().evictAll();
      assertEquals(2, server.connectionsOpened(), "a client with its own pool opens its own");
    }
  }

  @Test
  void refusesAWrongApiKeyWith401() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().requireApiKey("sk-right").start()) {
      Request r = chatRequest(server, "hi", "").newBuilder().header("Authorization", "Bearer sk-wrong").build();
      try (Response response = CLIENT.newCall(r).execute()) {
        assertEquals(401, response.code());
        assertEquals("invalid_api_key", JSON.readTree(response.body().string()).path("error").path("code").asText());
      }
    }
  }

  @Test
  void speaksSpeechLikePcmAfterTheTimeToFirstByteAtTheRealTimeFactor() throws IOException {
    Duration ttfb = Duration.ofMillis(150);
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .ttsTimeToFirstByte(ttfb).ttsRealTimeFactor(0.5).start()) {
      String body = "{\"model\":\"tts\",\"input\":\"What is OfficeHours?\",\"voice\":\"alloy\",\"response_format\":\"pcm\"}";
      Request request = new Request.Builder().url(server.baseUrl() + "/audio/speech")
          .post(RequestBody.create(body, JSON_TYPE)).build();
      long start = System.nanoTime();
      try (Response r = CLIENT.newCall(request).execute()) {
        assertEquals(200, r.code());
        BufferedSource source = r.body().source();
        source.require(1);
        long firstByte = System.nanoTime() - start;
        byte[] pcm = source.readByteArray();
        long total = System.nanoTime() - start;

        assertEquals(0, pcm.length % 2, "whole 16-bit samples");
        double seconds = pcm.length / 2 / 24_000.0;
        assertTrue(seconds > 0.5 && seconds < 5, "audio of " + seconds + " s");
        assertTrue(rms(pcm) > 1_000, "speech-like level, rms " + rms(pcm));
        assertTrue(firstByte >= ttfb.toNanos(), "TTFB " + firstByte / 1e6 + " ms");
        // at a real-time factor of 0.5 the last 100 ms frame is due 0.5 * (duration - 0.1 s) after the first
        assertTrue(total >= ttfb.toNanos() + (long) (0.5 * (seconds - 0.1) * 1e9) - 1_000_000,
            "total " + total / 1e6 + " ms for " + seconds + " s of audio");
      }
      assertEquals(1, server.stats().speechRequests());
    }
  }

  @Test
  void speaksWavWithAValidHeader() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder()
        .ttsTimeToFirstByte(Duration.ZERO).ttsRealTimeFactor(0).start()) {
      String body = "{\"model\":\"tts\",\"input\":\"Hello there.\",\"voice\":\"alloy\",\"response_format\":\"wav\"}";
      Request request = new Request.Builder().url(server.baseUrl() + "/audio/speech")
          .post(RequestBody.create(body, JSON_TYPE)).build();
      try (Response r = CLIENT.newCall(request).execute()) {
        byte[] wav = r.body().bytes();
        assertEquals("RIFF", new String(wav, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(wav.length - 8, le32(wav, 4));
        assertEquals(24_000, le32(wav, 24));
        assertEquals(wav.length - 44, le32(wav, 40));
      }
    }
  }

  @Test
  void sustainsTwoHundredConcurrentStreamsWithoutAThreadEach() throws Exception {
    int streams = 200;
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ofMillis(100))
        .tokenInterval(Duration.ofMillis(20)).answerWords(20).start()) {
      int threadsBefore = Thread.activeCount();
      List<CompletableFuture<String>> bodies = new ArrayList<>();
      for (int i = 0; i < streams; i++) {
        CompletableFuture<String> f = new CompletableFuture<>();
        CLIENT.newCall(chatRequest(server, "What is OfficeHours?", "")).enqueue(new Callback() {
          @Override
          public void onFailure(Call call, IOException e) {
            f.completeExceptionally(e);
          }

          @Override
          public void onResponse(Call call, Response response) throws IOException {
            try (response) {
              f.complete(response.body().string());
            }
          }
        });
        bodies.add(f);
      }
      int serverThreads = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("officehours-sim-")) {
          serverThreads++;
        }
      }
      // a fixed few, whatever the number of streams: Jetty's pool of 8, two schedulers, Jetty's timer
      assertTrue(serverThreads <= 16,
          serverThreads + " server threads for " + streams + " streams (threads before: " + threadsBefore + ")");
      CompletableFuture.allOf(bodies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      for (CompletableFuture<String> b : bodies) {
        String text = b.get();
        assertTrue(text.endsWith("data: [DONE]\n\n"), "stream completed");
        assertEquals(20, text.split("\"delta\":\\{\"content\"").length - 1, "20 content tokens");
      }
      assertEquals(streams, server.stats().chatRequests());
    }
  }

  // ---------------------------------------------------------------- tools

  private static final String OFFERS_THE_CALENDAR = ",\"tools\":[{\"type\":\"function\",\"function\":"
      + "{\"name\":\"check_office_hours\",\"description\":\"Free slots\",\"parameters\":{\"type\":\"object\","
      + "\"properties\":{\"day\":{\"type\":\"string\"}},\"required\":[\"day\"]}}}]";

  private static SimulatedOpenAiServer instant() {
    return SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO).tokenInterval(Duration.ZERO)
        .tokenJitter(Duration.ZERO).start();
  }

  /** A request whose conversation ends with the model's call and the tool's result. */
  static Request toolResultRequest(SimulatedOpenAiServer server, String... results) {
    StringBuilder body = new StringBuilder("{\"model\":\"x\",\"stream\":true" + OFFERS_THE_CALENDAR
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"When are office hours tomorrow?\"},"
        + "{\"role\":\"assistant\",\"content\":\"Let me check the calendar.\",\"tool_calls\":[");
    for (int i = 0; i < results.length; i++) {
      body.append(i == 0 ? "" : ",").append("{\"id\":\"call_").append(i).append("\",\"type\":\"function\","
          + "\"function\":{\"name\":\"check_office_hours\",\"arguments\":\"{}\"}}");
    }
    body.append("]}");
    for (int i = 0; i < results.length; i++) {
      body.append(",{\"role\":\"tool\",\"tool_call_id\":\"call_").append(i).append("\",\"content\":")
          .append(Json.quote(results[i])).append("}");
    }
    body.append("]}");
    return new Request.Builder().url(server.baseUrl() + "/chat/completions")
        .post(RequestBody.create(body.toString(), JSON_TYPE)).build();
  }

  @Test
  void anOfficeHoursQuestionWithTheCalendarOfferedStreamsASentenceThenTheCallInOpenAisShape() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      Streamed s = stream(chatRequest(server, "When are office hours tomorrow?",
          OFFERS_THE_CALENDAR + ",\"stream_options\":{\"include_usage\":true}"));

      assertEquals(KnowledgeBase.TOOL_PREAMBLE, s.content(), "it says what it is about to do first");
      List<JsonNode> pieces = new ArrayList<>();
      for (JsonNode e : s.events()) {
        JsonNode calls = e.path("choices").path(0).path("delta").path("tool_calls");
        if (calls.isArray()) {
          assertEquals(1, calls.size());
          pieces.add(calls.get(0));
        }
      }
      assertTrue(pieces.size() >= 3 && pieces.size() <= 4, "the call's first piece and its arguments in 2-3: " + pieces);
      JsonNode first = pieces.get(0);
      assertEquals(0, first.path("index").asInt());
      assertEquals("call_sim_1", first.path("id").asText());
      assertEquals("function", first.path("type").asText());
      assertEquals("check_office_hours", first.path("function").path("name").asText());
      assertEquals("", first.path("function").path("arguments").asText("missing"));
      StringBuilder arguments = new StringBuilder();
      for (JsonNode piece : pieces.subList(1, pieces.size())) {
        assertEquals(0, piece.path("index").asInt());
        assertFalse(piece.has("id"), "only the first piece names the call");
        arguments.append(piece.path("function").path("arguments").asText());
      }
      assertEquals("{\"day\":\"tomorrow\"}", arguments.toString());
      JsonNode finish = s.events().get(s.events().size() - 2);
      assertEquals("tool_calls", finish.path("choices").path(0).path("finish_reason").asText());
      assertEquals(SimulatedOpenAiServer.MODEL, finish.path("model").asText());
      assertEquals(s.events().size() - 3, s.events().get(s.events().size() - 1).path("usage").path("completion_tokens")
          .asInt(), "every piece after the role chunk counts as a token");
      assertTrue(s.done());
      assertEquals("true", s.simulatedHeader());
    }
  }

  @Test
  void eachCallGetsItsOwnIdAndAQuestionWithoutADayAsksForToday() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      stream(chatRequest(server, "When are office hours tomorrow?", OFFERS_THE_CALENDAR));
      Streamed s = stream(chatRequest(server, "Are there office hours?", OFFERS_THE_CALENDAR));

      String all = s.events().toString();
      assertTrue(all.contains("\"id\":\"call_sim_2\""), all);
      assertTrue(all.contains("\"arguments\":\"\\\"today\\\"\""), all);
    }
  }

  @Test
  void withoutTheCalendarOfferedOrWithToolChoiceNoneItAnswersFromTheKnowledgeBaseAsBefore() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      String knowledge = KnowledgeBase.answer("When are office hours tomorrow?");
      for (String extra : new String[] {"", OFFERS_THE_CALENDAR + ",\"tool_choice\":\"none\"",
          ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"book_room\",\"parameters\":{}}}]"}) {
        Streamed s = stream(chatRequest(server, "When are office hours tomorrow?", extra));
        assertEquals(knowledge, s.content(), extra);
        assertFalse(s.events().toString().contains("tool_calls"), extra);
      }
      Streamed other = stream(chatRequest(server, "What is OfficeHours?", OFFERS_THE_CALENDAR));
      assertEquals(KnowledgeBase.answer("What is OfficeHours?"), other.content(), "only questions about office hours call it");
    }
  }

  @Test
  void aConversationEndingInTheToolsResultIsAnsweredFromIt() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      Streamed s = stream(toolResultRequest(server, "{\"day\":\"tomorrow\",\"slots\":[\"10:00\",\"13:30\",\"16:00\"]}"));

      assertEquals("Office hours tomorrow are at 10:00, 13:30 and 16:00.", s.content());
      assertEquals("stop", s.events().get(s.events().size() - 1).path("choices").path(0).path("finish_reason").asText());
      assertFalse(s.events().toString().contains("tool_calls"), "it answers instead of calling again");
    }
  }

  @Test
  void aFailedToolIsAnsweredWithTheFailureAndParallelResultsEachGetASentence() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      assertEquals("Sorry, I could not check the calendar just now, so I cannot tell you the office hours.",
          stream(toolResultRequest(server, "{\"error\":\"the call timed out after 10 s\"}")).content());
      assertEquals("Office hours on Monday are at 09:00 and 14:00. There are no office hours on Sunday.",
          stream(toolResultRequest(server, "{\"day\":\"monday\",\"slots\":[\"09:00\",\"14:00\"]}",
              "{\"day\":\"sunday\",\"slots\":[]}")).content());
    }
  }

  @Test
  void aStreamErrorFaultCutsAToolCallLikeAnyAnswer() throws IOException {
    try (SimulatedOpenAiServer server = SimulatedOpenAiServer.builder().timeToFirstToken(Duration.ZERO)
        .tokenInterval(Duration.ZERO).faultRate(1.0).faults(Set.of(Fault.STREAM_ERROR)).start()) {
      Streamed s = stream(chatRequest(server, "When are office hours tomorrow?", OFFERS_THE_CALENDAR));

      assertFalse(s.done());
      assertEquals("simulated_stream_error", s.events().get(s.events().size() - 1).path("error").path("code").asText());
      assertFalse(s.events().toString().contains("\"finish_reason\":\"tool_calls\""), "the call never finished");
    }
  }

  @Test
  void aNonStreamedToolCallIsOneMessageWithToolCalls() throws IOException {
    try (SimulatedOpenAiServer server = instant()) {
      String body = "{\"model\":\"x\",\"stream\":false" + OFFERS_THE_CALENDAR
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"Office hours on Friday?\"}]}";
      try (Response r = CLIENT.newCall(new Request.Builder().url(server.baseUrl() + "/chat/completions")
          .post(RequestBody.create(body, JSON_TYPE)).build()).execute()) {
        JsonNode choice = JSON.readTree(r.body().string()).path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        assertEquals(KnowledgeBase.TOOL_PREAMBLE, choice.path("message").path("content").asText());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("call_sim_1", call.path("id").asText());
        assertEquals("check_office_hours", call.path("function").path("name").asText());
        assertEquals("{\"day\":\"friday\"}", call.path("function").path("arguments").asText());
      }
    }
  }

  static double rms(byte[] pcm) {
    double sum = 0;
    int n = pcm.length / 2;
    for (int i = 0; i < n; i++) {
      int s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
      sum += (double) s * s;
    }
    return Math.sqrt(sum / n);
  }

  static long le32(byte[] b, int at) {
    return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
  }
}
