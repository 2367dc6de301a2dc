package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link LlmProvider} promises (see {@link dev.officehours.llm.LlmListener} and
 * {@link LlmCall}), checked against a scripted backend: tokens in order, exactly one terminal
 * callback and nothing after it, no blocking on the network, a cancel that closes the connection
 * and silences the listener, HTTP failures as a {@link ProviderException} with their status and
 * without the credential, concurrent calls kept apart, and a bound on what a server can make the
 * provider buffer.
 *
 * <p>Extend it and implement {@link #startBackend()}:
 *
 * <pre>{@code
 * class MyChatContractTest extends LlmProviderContract {
 *   @Override
 *   protected LlmBackend startBackend() throws Exception {
 *     return new MyChatBackend();   // a LoopbackHttpServer speaking your wire format + your provider
 *   }
 * }
 * }</pre>
 */
@Timeout(60)
public abstract class LlmProviderContract {
  private LlmBackend backend;

  /** For subclasses. */
  protected LlmProviderContract() {}

  /**
   * Starts a fresh backend for one test; the contract closes it after the test.
   *
   * @return the scripted backend with your provider pointed at it
   * @throws Exception when it cannot start
   */
  protected abstract LlmBackend startBackend() throws Exception;

  /**
   * The request the contract sends for {@code prompt}; override to add what your provider
   * needs (a model, a token budget).
   *
   * @param prompt the user's message, which selects the backend's script
   * @return the request
   */
  protected ChatRequest request(String prompt) {
    return ChatRequest.builder(List.of(ChatMessage.system("You are a test."), ChatMessage.user(prompt)))
        .build();
  }

  @BeforeEach
  final void startTheBackend() throws Exception {
    backend = startBackend();
  }

  @AfterEach
  final void closeTheBackend() throws Exception {
    if (backend != null) {
      backend.close();
    }
  }

  private static String prompt(String what) {
    return what + " " + UUID.randomUUID();
  }

  private LlmProvider provider() {
    return backend.provider();
  }

  private RecordingLlmListener stream(String prompt) {
    RecordingLlmListener listener = new RecordingLlmListener();
    provider().stream(request(prompt), listener);
    return listener;
  }

  /** Completes one more call, so that anything a provider still had queued has had its turn. */
  private void completeAnotherCall() {
    String p = prompt("barrier");
    backend.answer(p, List.of("ok"));
    stream(p).log().awaitTerminal();
  }

  @Test
  void tokensArriveInOrderThenExactlyOneCompletion() {
    String p = prompt("order");
    List<String> tokens = List.of("Office", " hours", " are", " nine", " to", " five", ".");
    backend.answer(p, tokens);
    RecordingLlmListener listener = stream(p);
    listener.log().awaitTerminal();
    assertNotNull(listener.completion(), "completed normally: " + listener.log().events());
    assertEquals(String.join("", tokens), listener.text());
    assertTrue(listener.tokens().stream().noneMatch(String::isEmpty), "a token was empty");
    completeAnotherCall();
    listener.log().assertWellFormed();
  }

  @Test
  void streamReturnsBeforeTheAnswerArrives() throws Exception {
    String p = prompt("no blocking");
    CountDownLatch release = new CountDownLatch(1);
    backend.answerThenStall(p, List.of(), release);
    RecordingLlmListener listener = new RecordingLlmListener();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<LlmCall> call = caller.submit(() -> provider().stream(request(p), listener));
      // stream() must not wait for the answer, which the backend holds back until released
      call.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertFalse(listener.log().ended(), "ended while the backend was still stalling");
      release.countDown();
      listener.log().awaitTerminal();
      assertNotNull(listener.completion(), "completed normally: " + listener.log().events());
      listener.log().assertWellFormed();
    } finally {
      release.countDown();
      caller.shutdownNow();
    }
  }

  @Test
  void cancelMidStreamClosesTheConnectionAndNothingFollows() {
    String p = prompt("cancel mid-stream");
    CountDownLatch release = new CountDownLatch(1);
    backend.answerThenStall(p, List.of("Once", " upon"), release);
    RecordingLlmListener listener = new RecordingLlmListener();
    LlmCall call = provider().stream(request(p), listener);
    Await.until("the tokens before the stall", () -> listener.text().equals("Once upon"));
    call.cancel();
    listener.log().cancelled();
    Await.until("the cancelled call's connection to close", () -> backend.openConnections() == 0);
    release.countDown();
    completeAnotherCall();
    listener.log().assertWellFormed();
    assertFalse(listener.log().ended(), "a terminal callback followed cancel");
  }

  @Test
  void cancelBeforeTheFirstTokenMeansNoCallbackAtAll() {
    String p = prompt("cancel early");
    CountDownLatch release = new CountDownLatch(1);
    backend.answerThenStall(p, List.of(), release);
    RecordingLlmListener listener = new RecordingLlmListener();
    LlmCall call = provider().stream(request(p), listener);
    call.cancel();
    listener.log().cancelled();
    release.countDown();
    Await.until("the cancelled call's connection to close", () -> backend.openConnections() == 0);
    completeAnotherCall();
    assertEquals(List.of(), listener.log().events());
    listener.log().assertWellFormed();
  }

  @Test
  void cancelFromInsideOnTokenStopsTheStreamAtOnce() {
    String p = prompt("cancel inside");
    backend.answer(p, List.of("one", " two", " three", " four", " five"));
    AtomicReference<LlmCall> call = new AtomicReference<>();
    CountDownLatch handle = new CountDownLatch(1);
    RecordingLlmListener listener = new RecordingLlmListener(token -> {
      try {
        handle.await(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      call.get().cancel();
    });
    call.set(provider().stream(request(p), listener));
    handle.countDown();
    Await.until("the first token", () -> !listener.tokens().isEmpty());
    listener.log().cancelled();
    Await.until("the connection to close", () -> backend.openConnections() == 0);
    completeAnotherCall();
    assertEquals(List.of("one"), listener.tokens(), "tokens after cancel");
    assertFalse(listener.log().ended(), "a terminal callback followed cancel");
    listener.log().assertWellFormed();
  }

  @Test
  void cancelIsIdempotentAndANoOpAfterTheEnd() {
    String p = prompt("cancel late");
    backend.answer(p, List.of("Done", "."));
    RecordingLlmListener listener = new RecordingLlmListener();
    LlmCall call = provider().stream(request(p), listener);
    listener.log().awaitTerminal();
    call.cancel();
    call.cancel();
    completeAnotherCall();
    assertNotNull(listener.completion());
    assertEquals(List.of("token:Done", "token:.", "complete"), listener.log().events());
    listener.log().assertWellFormed();
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {400, 401, 403, 404, 429, 500, 503})
  void anHttpErrorIsAProviderExceptionWithItsStatus(int status) {
    String p = prompt("status " + status);
    backend.fail(p, status, "scripted failure " + status);
    RecordingLlmListener listener = stream(p);
    listener.log().awaitTerminal();
    ProviderException error = assertInstanceOf(ProviderException.class, listener.log().error(),
        "reported as a ProviderException: " + listener.log().events());
    assertEquals(OfficeHoursException.Stage.LLM, error.stage());
    assertEquals(status, error.status().orElse(-1), "status of " + error);
    assertEquals(List.of(), listener.tokens());
    assertNull(listener.completion());
    listener.log().assertWellFormed();
  }

  @Test
  void errorsNeverCarryTheCredential() {
    String secret = backend.credential();
    assumeTrue(!secret.isEmpty(), "the provider takes no credential");
    String p = prompt("secret");
    backend.fail(p, 401, "Incorrect API key provided: " + secret + ". You can find your key at ...");
    RecordingLlmListener listener = stream(p);
    listener.log().awaitTerminal();
    OfficeHoursException error = listener.log().error();
    assertNotNull(error, "a 401 is an error: " + listener.log().events());
    Secrets.assertAbsent(secret, error);
    Secrets.assertAbsent(secret, provider().toString(), "the provider's toString()");
    Secrets.assertAbsent(secret, provider().id(), "the provider's id()");
  }

  @Test
  void aStreamCutOffIsAnErrorAfterWhatArrived() {
    String p = prompt("cut off");
    backend.cutOff(p, List.of("Half", " an"));
    RecordingLlmListener listener = stream(p);
    listener.log().awaitTerminal();
    assertInstanceOf(OfficeHoursException.class, listener.log().error(),
        "a broken stream is an error, not a completion: " + listener.log().events());
    assertEquals(OfficeHoursException.Stage.LLM, listener.log().error().stage());
    assertEquals("Half an", listener.text());
    listener.log().assertWellFormed();
  }

  @Test
  void concurrentCallsEachGetTheirOwnAnswerInOrder() throws Exception {
    int calls = 8;
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      String p = prompt("concurrent " + i);
      prompts.add(p);
      backend.answer(p, List.of("answer", " " + i, " of", " " + calls, "."));
    }
    ExecutorService callers = Executors.newFixedThreadPool(calls);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<RecordingLlmListener>> started = new ArrayList<>();
      for (String p : prompts) {
        started.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return stream(p);
        }, callers));
      }
      go.countDown();
      for (int i = 0; i < calls; i++) {
        RecordingLlmListener listener = started.get(i).get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        listener.log().awaitTerminal();
        assertNotNull(listener.completion(), "call " + i + ": " + listener.log().events());
        assertEquals("answer " + i + " of " + calls + ".", listener.text());
        listener.log().assertWellFormed();
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void anEndlessEventFailsTypedAndClosesTheConnection() {
    String p = prompt("endless");
    assumeTrue(backend.endlessEvent(p), "the backend's format has no event to make endless");
    RecordingLlmListener listener = stream(p);
    listener.log().awaitTerminal();
    OfficeHoursException error = listener.log().error();
    assertNotNull(error, "an endless event is an error: " + listener.log().events());
    assertEquals(OfficeHoursException.Stage.LLM, error.stage());
    Await.until("the connection to close", () -> backend.openConnections() == 0);
    listener.log().assertWellFormed();
  }

  @Test
  void idIsStableAndNotBlank() {
    LlmProvider provider = provider();
    assertFalse(provider.id().isBlank());
    assertEquals(provider.id(), provider.id());
    assertFalse(provider.defaultModel().isBlank(), "defaultModel()");
  }
}
