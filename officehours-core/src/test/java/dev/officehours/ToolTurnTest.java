package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.history.InMemoryConversationStore;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.llm.ToolChoice;
import dev.officehours.llm.ToolDefinition;
import dev.officehours.metrics.MicrometerObserver;
import dev.officehours.metrics.TurnOutcome;
import dev.officehours.text.ChunkerSettings;
import dev.officehours.tools.Tool;
import dev.officehours.tools.ToolStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A voice turn in which the model calls tools: rounds, results, limits, cancel and history. */
class ToolTurnTest {
  static final String DAY_SCHEMA = "{\"type\":\"object\",\"properties\":{\"day\":{\"type\":\"string\"}},"
      + "\"required\":[\"day\"]}";
  static final ChunkerSettings SENTENCES = new ChunkerSettings(8, 50, 20, 250, Duration.ofMillis(400));

  final FakeLlm llm = new FakeLlm();
  final FakeTts tts = new FakeTts();
  final InMemoryConversationStore store = InMemoryConversationStore.create();
  final ManualClock clock = new ManualClock();
  ConversationPipeline pipeline;

  @AfterEach
  void close() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  /** A tool whose calls the test answers: each call's future waits in {@link #pending}. */
  static final class ScriptedTool {
    final java.util.concurrent.BlockingQueue<CompletableFuture<String>> pending =
        new java.util.concurrent.LinkedBlockingQueue<>();
    final java.util.concurrent.BlockingQueue<String> arguments = new java.util.concurrent.LinkedBlockingQueue<>();
    final java.util.concurrent.BlockingQueue<String> threads = new java.util.concurrent.LinkedBlockingQueue<>();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicReference<dev.officehours.tools.ToolContext> lastContext = new AtomicReference<>();

    Tool tool(String name) {
      return Tool.of(name, "Free office-hour slots on a day", DAY_SCHEMA, (args, ctx) -> {
        calls.incrementAndGet();
        lastContext.set(ctx);
        threads.add(Thread.currentThread().getName());
        arguments.add(args.json());
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.add(f);
        return f;
      });
    }

    CompletableFuture<String> next() {
      try {
        CompletableFuture<String> f = pending.poll(10, TimeUnit.SECONDS);
        assertNotNull(f, "the tool was not called within 10 s");
        return f;
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  static ToolCallRequest call(int index, String id, String name, String arguments) {
    return new ToolCallRequest(index, id, name, arguments);
  }

  ConversationPipeline.Builder builder(Tool... tools) {
    return ConversationPipeline.builder().llm(llm).conversationStore(store).clock(clock)
        .chunker(SENTENCES).tools(tools);
  }

  static List<Class<?>> kinds(RecordingListener events) {
    return events.events().stream().filter(e -> !(e instanceof AudioFrame))
        .map(Object::getClass).distinct().collect(Collectors.toList());
  }

  @Test
  void aToolCallIsRunItsResultSentBackAndTheAnswerGoesOn() {
    ScriptedTool calendar = new ScriptedTool();
    java.util.concurrent.ExecutorService toolThreads = java.util.concurrent.Executors.newCachedThreadPool(
        r -> new Thread(r, "test-tools"));
    pipeline = builder(calendar.tool("check_office_hours")).toolExecutor(toolThreads).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are office hours tomorrow?"), events);

    FakeLlm.Stream first = llm.nextStream();
    assertEquals(List.of(new ToolDefinition("check_office_hours", "Free office-hour slots on a day",
        DAY_SCHEMA)), first.request.tools());
    assertEquals(ToolChoice.AUTO, first.request.toolChoice());
    first.words("Let me check.").callTools(call(0, "call_1", "check_office_hours", "{\"day\":\"tomorrow\"}"));

    calendar.next().complete("{\"slots\":[\"10:00\",\"14:30\"]}");
    FakeLlm.Stream second = llm.nextStream();
    List<ChatMessage> sent = second.request.messages();
    ChatMessage asked = sent.get(sent.size() - 2);
    assertEquals(ChatMessage.Role.ASSISTANT, asked.role());
    assertEquals("Let me check.", asked.text());
    assertEquals(List.of(call(0, "call_1", "check_office_hours", "{\"day\":\"tomorrow\"}")), asked.toolCalls());
    ChatMessage answered = sent.get(sent.size() - 1);
    assertEquals(ChatMessage.Role.TOOL, answered.role());
    assertEquals("call_1", answered.toolCallId());
    assertEquals("{\"slots\":[\"10:00\",\"14:30\"]}", answered.text());
    second.words("Tomorrow at ten and half past two.").complete();

    TurnResult result = turn.completion().join();
    assertEquals("Let me check. Tomorrow at ten and half past two.", result.text());
    assertEquals("Let me check. Tomorrow at ten and half past two.", events.text());
    assertEquals(List.of(TextDelta.class, ToolCallStarted.class, ToolResult.class, TurnResult.class),
        kinds(events));
    ToolResult r = result.toolResults().get(0);
    assertEquals(ToolStatus.OK, r.status());
    assertEquals("call_1", r.callId());
    assertEquals(1, result.metrics().toolCalls());
    assertEquals(2, result.metrics().llmRounds());
    assertEquals("test-tools", calendar.threads.peek(), "a tool runs on the tool executor");
    assertEquals(new dev.officehours.llm.TokenUsage(20, 25, 45), result.usage(),
        "the usage of both LLM calls of the turn");
    toolThreads.shutdown();
  }

  @Test
  void historyKeepsTheCallsAndResultsSoAFollowUpCanBuildOnThem() {
    ScriptedTool calendar = new ScriptedTool();
    pipeline = builder(calendar.tool("check_office_hours")).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "When are office hours tomorrow?"), new RecordingListener());
    llm.nextStream().words("Let me check.").callTools(call(0, "call_1", "check_office_hours", "{\"day\":\"tomorrow\"}"));
    calendar.next().complete("{\"slots\":[\"10:00\"]}");
    llm.nextStream().words("At ten.").complete();
    turn.completion().join();

    pipeline.start(TurnRequest.of("s1", "And the day after?"), new RecordingListener());
    List<ChatMessage> followUp = llm.nextStream().request.messages();
    List<String> shape = followUp.stream()
        .map(m -> m.role().wireName() + (m.toolCalls().isEmpty() ? "" : "+calls") + ":" + m.text())
        .collect(Collectors.toList());
    assertEquals(List.of("system:" + followUp.get(0).text(),
        "user:When are office hours tomorrow?",
        "assistant+calls:Let me check.",
        "tool:{\"slots\":[\"10:00\"]}",
        "assistant:At ten.",
        "user:And the day after?"), shape);
    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals("call_1", stored.get(2).toolCallId());
  }

  @Test
  void parallelCallsRunConcurrentlyAndTheirResultsKeepTheCallOrder() throws Exception {
    CountDownLatch bothStarted = new CountDownLatch(2);
    Tool slow = Tool.blocking("check_office_hours", "Slots", DAY_SCHEMA, (args, ctx) -> {
      bothStarted.countDown();
      // Each call returns only once the other one has started: they must run at the same time.
      assertTrue(bothStarted.await(10, TimeUnit.SECONDS));
      return "{\"day\":\"" + args.string("day") + "\"}";
    });
    pipeline = builder(slow).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Monday and Tuesday?"), new RecordingListener());
    llm.nextStream().callTools(call(0, "a", "check_office_hours", "{\"day\":\"monday\"}"),
        call(1, "b", "check_office_hours", "{\"day\":\"tuesday\"}"));
    FakeLlm.Stream second = llm.nextStream();
    List<ChatMessage> sent = second.request.messages();
    assertEquals("a", sent.get(sent.size() - 2).toolCallId());
    assertEquals("{\"day\":\"monday\"}", sent.get(sent.size() - 2).text());
    assertEquals("b", sent.get(sent.size() - 1).toolCallId());
    second.words("Both days are free.").complete();
    TurnResult result = turn.completion().join();
    assertEquals(2, result.metrics().toolCalls());
    assertTrue(result.toolResults().stream().allMatch(ToolResult::ok));
  }

  @Test
  void aModelThatKeepsCallingIsStoppedByTheRoundLimit() {
    AtomicInteger runs = new AtomicInteger();
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{\"n\":" + runs.incrementAndGet() + "}"));
    pipeline = builder(tool).maxToolRounds(2).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Loop"), events);
    for (int round = 1; round <= 2; round++) {
      FakeLlm.Stream s = llm.nextStream();
      assertEquals(ToolChoice.AUTO, s.request.toolChoice(), "round " + round);
      s.callTools(call(0, "c" + round, "check_office_hours", "{\"day\":\"today\"}"));
    }
    FakeLlm.Stream last = llm.nextStream();
    assertEquals(ToolChoice.NONE, last.request.toolChoice(), "out of rounds: the model must answer");
    last.words("Sorry.").callTools(call(0, "c3", "check_office_hours", "{\"day\":\"today\"}"));

    TurnResult result = turn.completion().join();
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(2, runs.get(), "the call past the limit is not run");
    assertEquals(ToolStatus.ROUND_LIMIT, result.toolResults().get(2).status());
    assertTrue(result.toolResults().get(2).result().contains("2 rounds"));
    assertEquals(3, result.metrics().llmRounds());
    assertTrue(llm.streams.isEmpty(), "no fourth LLM call");
  }

  @Test
  void aToolThatDoesNotAnswerInTimeIsReportedAsTimedOutAndCancelled() {
    ScriptedTool calendar = new ScriptedTool();
    pipeline = builder(calendar.tool("check_office_hours")).toolTimeout(Duration.ofSeconds(3)).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    CompletableFuture<String> never = calendar.next();
    clock.advance(Duration.ofSeconds(3));

    FakeLlm.Stream second = llm.nextStream();
    List<ChatMessage> sent = second.request.messages();
    assertEquals("{\"error\":\"the tool did not answer within 3 s\"}", sent.get(sent.size() - 1).text());
    assertTrue(calendar.lastContext.get().isCancelled(), "a cancellable tool is told");
    assertFalse(never.isCancelled(), "the tool's own future is left to it (it may be shared)");
    second.words("The calendar is not answering.").complete();
    ToolResult r = turn.completion().join().toolResults().get(0);
    assertEquals(ToolStatus.TIMED_OUT, r.status());
  }

  @Test
  void aToolThatThrowsIsAnErrorResultAndTheTurnGoesOn() {
    Tool argumentProblem = Tool.blocking("check_office_hours", "Slots", DAY_SCHEMA, (args, ctx) -> {
      throw new IllegalArgumentException("day must be a weekday");
    });
    Tool leaky = Tool.blocking("book_slot", "Books a slot", "{\"type\":\"object\"}", (args, ctx) -> {
      throw new java.io.IOException("connect to db.internal:5432 with password hunter2 failed");
    });
    pipeline = builder(argumentProblem, leaky).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Book Sunday"), events);
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"sunday\"}"),
        call(1, "c2", "book_slot", "{}"));
    FakeLlm.Stream second = llm.nextStream();
    List<ChatMessage> sent = second.request.messages();
    assertEquals("{\"error\":\"the tool failed: day must be a weekday\"}", sent.get(sent.size() - 2).text());
    assertEquals("{\"error\":\"the tool failed: IOException\"}", sent.get(sent.size() - 1).text(),
        "an exception's message may hold secrets: only its type reaches the model");
    second.words("I could not book it.").complete();
    TurnResult result = turn.completion().join();
    assertEquals(TurnOutcome.COMPLETED, result.outcome());
    assertEquals(List.of(ToolStatus.FAILED, ToolStatus.FAILED),
        result.toolResults().stream().map(ToolResult::status).sorted().collect(Collectors.toList()));
    assertFalse(events.events().toString().contains("hunter2"));
  }

  @Test
  void badArgumentsAndUnknownToolsAreAnsweredWithoutRunningAnything() {
    ScriptedTool calendar = new ScriptedTool();
    pipeline = builder(calendar.tool("check_office_hours")).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().callTools(
        call(0, "c1", "check_office_hours", "{\"day\":"),
        call(1, "c2", "check_office_hours", "[1,2]"),
        call(2, "c3", "check_office_hours", "{\"day\":7}"),
        call(3, "c4", "delete_everything", "{}"));
    FakeLlm.Stream second = llm.nextStream();
    List<ChatMessage> sent = second.request.messages();
    List<String> results = sent.subList(sent.size() - 4, sent.size()).stream()
        .map(ChatMessage::text).collect(Collectors.toList());
    assertTrue(results.get(0).contains("not valid JSON"), results.get(0));
    assertTrue(results.get(1).contains("must be a JSON object"), results.get(1));
    assertTrue(results.get(2).contains("do not match the tool's schema") && results.get(2).contains("$.day"),
        results.get(2));
    assertEquals("{\"error\":\"there is no tool named 'delete_everything'; the tools are: check_office_hours\"}",
        results.get(3));
    List<String> recorded = sent.get(sent.size() - 5).toolCalls().stream()
        .map(ToolCallRequest::arguments).collect(Collectors.toList());
    assertEquals(List.of("{}", "{}", "{\"day\":7}", "{}"), recorded,
        "arguments that are not a JSON object are recorded as {}, so no server rejects the history");
    second.words("Let me try again.").complete();
    TurnResult result = turn.completion().join();
    assertEquals(List.of(ToolStatus.INVALID_ARGUMENTS, ToolStatus.INVALID_ARGUMENTS,
        ToolStatus.INVALID_ARGUMENTS, ToolStatus.UNKNOWN_TOOL),
        result.toolResults().stream().map(ToolResult::status).collect(Collectors.toList()));
    assertEquals(0, calendar.calls.get());
  }

  @Test
  void aResultOverTheLimitIsCutWithANote() {
    String huge = "x".repeat(5_000);
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture(huge));
    pipeline = builder(tool).maxToolResultChars(1_000).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    FakeLlm.Stream second = llm.nextStream();
    String sent = second.request.messages().get(second.request.messages().size() - 1).text();
    assertTrue(sent.startsWith("x".repeat(1_000) + "\n[truncated: the result was 5000 characters"), sent);
    second.words("Done.").complete();
    ToolResult r = turn.completion().join().toolResults().get(0);
    assertTrue(r.truncated());
    assertEquals(ToolStatus.OK, r.status());
  }

  @Test
  void bargeInCancelsARunningToolAndNothingOfTheTurnFollows() {
    ScriptedTool calendar = new ScriptedTool();
    AtomicBoolean cancelAction = new AtomicBoolean();
    pipeline = builder(calendar.tool("check_office_hours")).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words("Let me check.").callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    CompletableFuture<String> running = calendar.next();
    calendar.lastContext.get().onCancel(() -> cancelAction.set(true));
    events.await(ToolCallStarted.class::isInstance);

    assertTrue(turn.cancel());
    TurnResult result = turn.completion().join();
    assertEquals(TurnOutcome.CANCELLED, result.outcome());
    assertFalse(running.isCancelled(), "the tool's own future is left to it");
    assertTrue(cancelAction.get());
    assertTrue(calendar.lastContext.get().isCancelled());
    TurnEvent last = events.events().get(events.events().size() - 1);
    assertTrue(last instanceof TurnCancelled, "the terminal event is the last: " + events.events());
    assertTrue(llm.streams.isEmpty(), "no LLM call after the cancel");

    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals(List.of(ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT, ChatMessage.Role.TOOL,
        ChatMessage.Role.ASSISTANT), stored.stream().map(HistoryMessage::role).collect(Collectors.toList()));
    assertEquals("c1", stored.get(2).toolCallId());
    assertTrue(stored.get(2).text().contains("cancelled"));
    assertTrue(stored.get(3).interrupted());
  }

  @Test
  void anUncancellableToolFinishesAfterBargeInAndHistoryRecordsWhatItDid() {
    CompletableFuture<String> booking = new CompletableFuture<>();
    AtomicReference<dev.officehours.tools.ToolContext> context = new AtomicReference<>();
    CountDownLatch called = new CountDownLatch(1);
    Tool book = Tool.of("book_slot", "Books a slot", "{\"type\":\"object\"}", (args, ctx) -> {
      context.set(ctx);
      called.countDown();
      return booking;
    }).uncancellable();
    pipeline = builder(book).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Book ten o'clock"), events);
    llm.nextStream().callTools(call(0, "c1", "book_slot", "{}"));
    await(called);

    assertTrue(turn.cancel());
    assertFalse(turn.completion().isDone(), "the turn waits for the booking to end");
    assertFalse(context.get().isCancelled());
    booking.complete("{\"booked\":\"10:00\"}");
    assertEquals(TurnOutcome.CANCELLED, turn.completion().join().outcome());
    assertFalse(booking.isCancelled());
    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals("{\"booked\":\"10:00\"}", stored.get(2).text(), "history knows the slot was booked");
  }

  @Test
  void aFillerIsSpokenWhileASlowToolRunsBetweenTheTextBeforeAndAfterIt() {
    ScriptedTool calendar = new ScriptedTool();
    pipeline = builder(calendar.tool("check_office_hours")).tts(tts)
        .toolFiller(Duration.ofMillis(600), "One moment, let me check.").build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words("Sure, I will look that up.").callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    FakeTts.Synthesis before = tts.next();
    assertEquals("Sure, I will look that up.", before.request.text());
    CompletableFuture<String> running = calendar.next();
    clock.advance(Duration.ofMillis(599));
    assertTrue(tts.noPendingCall(), "no filler before its delay");
    clock.advance(Duration.ofMillis(1));
    FakeTts.Synthesis filler = tts.next();
    assertEquals("One moment, let me check.", filler.request.text());
    running.complete("{\"slots\":[]}");
    llm.nextStream().words("There are no free slots today.").complete();
    FakeTts.Synthesis after = tts.next();
    // Audio comes back out of order; it is delivered in order all the same.
    after.audio("C").complete();
    filler.audio("B").complete();
    before.audio("A").complete();

    TurnResult result = turn.completion().join();
    assertEquals(List.of("A", "B", "C"), events.audioLabels());
    assertEquals(List.of(0, 1, 2), events.audio().stream().map(AudioFrame::chunkIndex).collect(Collectors.toList()));
    assertEquals("Sure, I will look that up. There are no free slots today.", result.text(),
        "the filler is spoken, not part of the answer");
  }

  @Test
  void noFillerWhenTheToolAnswersInTime() {
    Tool quick = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{}"));
    pipeline = builder(quick).tts(tts).toolFiller(Duration.ofMillis(600), "One moment.").build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    llm.nextStream().words("Open all day.").complete();
    FakeTts.Synthesis only = tts.next();
    clock.advance(Duration.ofSeconds(1));
    assertEquals("Open all day.", only.request.text());
    only.audio("A").complete();
    turn.completion().join();
    assertTrue(tts.noPendingCall(), "no filler was synthesised");
  }

  @Test
  void aTurnsOwnToolIsOfferedBesideThePipelinesAndReplacesOneOfTheSameName() {
    ScriptedTool shared = new ScriptedTool();
    ScriptedTool own = new ScriptedTool();
    pipeline = builder(shared.tool("check_office_hours"), shared.tool("book_slot")).build();
    Tool replacement = own.tool("book_slot");
    Turn turn = pipeline.start(TurnRequest.builder("s1", "Book it").tools(replacement).build(),
        new RecordingListener());
    FakeLlm.Stream first = llm.nextStream();
    assertEquals(List.of("check_office_hours", "book_slot"),
        first.request.tools().stream().map(ToolDefinition::name).collect(Collectors.toList()));
    first.callTools(call(0, "c1", "book_slot", "{\"day\":\"today\"}"));
    own.next().complete("{\"ok\":true}");
    llm.nextStream().words("Booked.").complete();
    turn.completion().join();
    assertEquals(0, shared.calls.get());
    assertEquals(1, own.calls.get());
  }

  @Test
  void aPipelineWithoutToolsOffersNoneAndIgnoresToolCalls() {
    pipeline = ConversationPipeline.builder().llm(llm).conversationStore(store).clock(clock).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hi"), new RecordingListener());
    FakeLlm.Stream s = llm.nextStream();
    assertTrue(s.request.tools().isEmpty());
    s.words("Hello.").callTools(call(0, "c1", "anything", "{}"));
    TurnResult result = turn.completion().join();
    assertEquals("Hello.", result.text());
    assertTrue(result.toolResults().isEmpty());
  }

  @Test
  void toolCallsAreMeasuredPerToolAndStatus() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{}"));
    pipeline = builder(tool).observer(new MicrometerObserver(registry)).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), new RecordingListener());
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"),
        call(1, "c2", "made_up_tool", "{}"));
    llm.nextStream().words("Open.").complete();
    TurnResult result = turn.completion().join();
    assertEquals(2, result.metrics().toolCalls());
    assertEquals(1, registry.get("officehours.tool.duration").tag("tool", "check_office_hours")
        .tag("status", "ok").timer().count());
    assertEquals(1, registry.get("officehours.tool.duration").tag("tool", "unknown")
        .tag("status", "unknown-tool").timer().count(), "a model cannot invent tag values");
  }

  @Test
  void aTurnThatUsedToolsIsNeverStoredInTheAnswerCache() {
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{\"slots\":[\"10:00\"]}"));
    pipeline = builder(tool)
        .answerCache(dev.officehours.cache.AnswerCache.builder(
            dev.officehours.cache.CaffeineCacheStore.create()).statelessFaq(true).build())
        .build();
    for (int ask = 1; ask <= 2; ask++) {
      Turn turn = pipeline.start(TurnRequest.of("s" + ask, "When are office hours?"), new RecordingListener());
      FakeLlm.Stream first = llm.nextStream(); // the second ask reaches the model again
      first.callTools(call(0, "c" + ask, "check_office_hours", "{\"day\":\"today\"}"));
      llm.nextStream().words("At ten.").complete();
      TurnResult result = turn.completion().join();
      assertFalse(result.answerFromCache(), "ask " + ask);
    }
  }

  @Test
  void aFillerPhraseIsSynthesisedOnceAndThenServedFromTheTtsCache() {
    ScriptedTool calendar = new ScriptedTool();
    dev.officehours.cache.TtsCache cache = dev.officehours.cache.TtsCache.inMemory();
    pipeline = builder(calendar.tool("check_office_hours")).tts(tts).ttsCache(cache)
        .toolFiller(Duration.ofMillis(600), "One moment, let me check.").build();
    String fillerKey = cache.key(tts.id(), tts.request("One moment, let me check."));
    for (int ask = 1; ask <= 2; ask++) {
      if (ask == 2) {
        // The cache writes after the turn: wait until the filler's audio is stored.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cache.store().get(fillerKey).join().isEmpty()) {
          assertTrue(System.nanoTime() < deadline, "the filler was not cached within 10 s");
          java.util.concurrent.locks.LockSupport.parkNanos(2_000_000L); // poll interval
        }
      }
      RecordingListener events = new RecordingListener();
      Turn turn = pipeline.start(TurnRequest.of("s" + ask, "Hours?"), events);
      llm.nextStream().callTools(call(0, "c" + ask, "check_office_hours", "{\"day\":\"today\"}"));
      CompletableFuture<String> running = calendar.next();
      clock.advance(Duration.ofMillis(600));
      if (ask == 1) {
        FakeTts.Synthesis filler = tts.next();
        assertEquals("One moment, let me check.", filler.request.text());
        filler.audio("F").complete();
      }
      events.awaitAudioFrames(1); // the second time, from the cache: no synthesis
      running.complete("{}");
      llm.nextStream().words("Open on day " + ask + ".").complete();
      tts.next().audio("A").complete();
      TurnResult result = turn.completion().join();
      assertEquals(ask == 1 ? 0 : 1, result.metrics().ttsCacheHits(), "ask " + ask);
    }
    assertTrue(tts.noPendingCall());
  }

  @Test
  void noAudioOfTheRoundInFlightPlaysAfterABargeIn() {
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{}"));
    pipeline = builder(tool).tts(tts).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words("Let me check.").callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    FakeTts.Synthesis before = tts.next();
    before.audio("A").complete();
    events.awaitAudioFrames(1);
    FakeLlm.Stream second = llm.nextStream();
    second.words("Open from nine to five. Every day of the week.");
    FakeTts.Synthesis after = tts.next();

    assertTrue(turn.cancel());
    after.audio("B").complete(); // a provider that still delivers after the cancel
    second.complete();
    turn.completion().join();
    assertTrue(after.cancelled, "the round's synthesis was cancelled");
    assertEquals(List.of("A"), events.audioLabels());
    assertTrue(events.events().get(events.events().size() - 1) instanceof TurnCancelled);
  }

  @Test
  void callsBeyondThePerRoundLimitAreAnsweredWithoutRunning() {
    AtomicInteger runs = new AtomicInteger();
    Tool tool = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{\"n\":" + runs.incrementAndGet() + "}"));
    pipeline = builder(tool).maxToolCallsPerRound(2).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Every day?"), new RecordingListener());
    ToolCallRequest[] calls = new ToolCallRequest[5];
    for (int i = 0; i < calls.length; i++) {
      calls[i] = call(i, "c" + i, "check_office_hours", "{\"day\":\"today\"}");
    }
    llm.nextStream().callTools(calls);
    FakeLlm.Stream second = llm.nextStream();
    assertEquals(5, second.request.messages().stream().filter(m -> m.role() == ChatMessage.Role.TOOL).count(),
        "every call gets its answer, as the model's API requires");
    second.words("Open.").complete();
    List<ToolStatus> statuses = turn.completion().join().toolResults().stream()
        .map(ToolResult::status).sorted().collect(Collectors.toList());
    assertEquals(List.of(ToolStatus.OK, ToolStatus.OK, ToolStatus.CALL_LIMIT, ToolStatus.CALL_LIMIT,
        ToolStatus.CALL_LIMIT), statuses);
    assertEquals(2, runs.get());
  }

  @Test
  void cancellingARoundLeavesTheCallsThatAlreadyReturnedAlone() {
    AtomicBoolean releasedHold = new AtomicBoolean();
    AtomicReference<dev.officehours.tools.ToolContext> holdContext = new AtomicReference<>();
    Tool hold = Tool.of("hold_slot", "Holds a slot", "{\"type\":\"object\"}", (args, ctx) -> {
      holdContext.set(ctx);
      ctx.onCancel(() -> releasedHold.set(true));
      return CompletableFuture.completedFuture("{\"held\":true}");
    });
    ScriptedTool slow = new ScriptedTool();
    pipeline = builder(hold, slow.tool("check_office_hours")).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hold it"), events);
    llm.nextStream().callTools(call(0, "c1", "hold_slot", "{}"),
        call(1, "c2", "check_office_hours", "{\"day\":\"today\"}"));
    slow.next();
    events.await(e -> e instanceof ToolResult && ((ToolResult) e).callId().equals("c1"));

    assertTrue(turn.cancel());
    turn.completion().join();
    assertFalse(releasedHold.get(), "a call that returned is not cancelled after the fact");
    assertFalse(holdContext.get().isCancelled());
    assertTrue(slow.lastContext.get().isCancelled());
    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals("{\"held\":true}", stored.get(2).text());
    assertTrue(stored.get(3).text().contains("cancelled"), stored.get(3).text());
  }

  @Test
  void anUncancellableToolThatTimesOutIsReportedAndNotCancelled() {
    CompletableFuture<String> never = new CompletableFuture<>();
    AtomicReference<dev.officehours.tools.ToolContext> context = new AtomicReference<>();
    CountDownLatch called = new CountDownLatch(1);
    Tool book = Tool.of("book_slot", "Books", "{\"type\":\"object\"}", (args, ctx) -> {
      context.set(ctx);
      called.countDown();
      return never;
    }).uncancellable().withTimeout(Duration.ofSeconds(2));
    pipeline = builder(book).build();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Book"), new RecordingListener());
    llm.nextStream().callTools(call(0, "c1", "book_slot", "{}"));
    await(called);
    clock.advance(Duration.ofSeconds(2));
    FakeLlm.Stream second = llm.nextStream();
    assertEquals("{\"error\":\"the tool did not answer within 2 s\"}",
        second.request.messages().get(second.request.messages().size() - 1).text());
    assertFalse(context.get().isCancelled(), "an uncancellable tool is never told to stop");
    second.words("The booking system is slow.").complete();
    assertEquals(ToolStatus.TIMED_OUT, turn.completion().join().toolResults().get(0).status());
  }

  @Test
  void theTurnDeadlinePassingDuringARoundFailsTheTurnAndHistoryKeepsTheCall() {
    ScriptedTool calendar = new ScriptedTool();
    pipeline = builder(calendar.tool("check_office_hours")).turnDeadline(Duration.ofSeconds(5)).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    calendar.next();
    clock.advance(Duration.ofSeconds(5));
    TurnFailed failed = (TurnFailed) events.await(TurnFailed.class::isInstance);
    assertTrue(failed.error() instanceof dev.officehours.errors.TurnTimeoutException, failed.toString());
    assertTrue(calendar.lastContext.get().isCancelled());
    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals(List.of(ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT, ChatMessage.Role.TOOL,
        ChatMessage.Role.ASSISTANT), stored.stream().map(HistoryMessage::role).collect(Collectors.toList()));
    assertTrue(stored.get(2).text().contains("cancelled"));
    // The completion settles just after the terminal callback: join waits for it.
    java.util.concurrent.CompletionException error =
        org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
            () -> turn.completion().join());
    assertTrue(error.getCause() instanceof dev.officehours.errors.TurnTimeoutException, error.toString());
  }

  @Test
  void aBargeInAfterATurnWithToolsTrimsOnlyTheAnswerAfterTheCalls() {
    Tool quick = Tool.of("check_office_hours", "Slots", DAY_SCHEMA,
        (args, ctx) -> CompletableFuture.completedFuture("{\"slots\":[\"09:00\"]}"));
    pipeline = builder(quick).tts(tts).build();
    RecordingListener events = new RecordingListener();
    Turn turn = pipeline.start(TurnRequest.of("s1", "Hours?"), events);
    llm.nextStream().words("Let me check.").callTools(call(0, "c1", "check_office_hours", "{\"day\":\"today\"}"));
    llm.nextStream().words("We open at nine in the morning. We close at five in the evening.").complete();
    FakeTts.Synthesis[] chunks = {tts.next(), tts.next(), tts.next()};
    for (FakeTts.Synthesis c : chunks) {
      c.sink.onAudio(new byte[48_000]); // one second of 24 kHz PCM each
      c.complete();
    }
    TurnResult result = turn.completion().join();
    assertEquals("Let me check. We open at nine in the morning. We close at five in the evening.", result.text());

    // The caller was playing the third chunk's first half second when the user barged in.
    assertTrue(turn.interrupt(PlaybackPosition.of(2, Duration.ofMillis(500))));
    pipeline.start(TurnRequest.of("s1", "Pardon?"), new RecordingListener());
    List<ChatMessage> next = llm.nextStream().request.messages();
    List<HistoryMessage> stored = store.load("s1").join();
    assertEquals("Let me check.", stored.get(1).text(), "the part before the call stays whole");
    assertEquals(1, stored.get(1).toolCalls().size());
    HistoryMessage last = stored.get(3);
    assertTrue(last.interrupted());
    assertTrue(last.text().startsWith("We open at nine in the morning. We close"), last.text());
    assertFalse(last.text().contains("evening"), last.text());
    assertTrue(next.get(next.size() - 2).text().endsWith(PipelineTurn.INTERRUPTED_HERE));
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS), "timed out waiting");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
