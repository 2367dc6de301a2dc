package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link SttProvider} promises, checked against a scripted backend: the transcript
 * comes back without blocking the caller; cancelling the returned future closes the connection;
 * HTTP failures fail the future with a {@link ProviderException} of stage {@code STT} with their
 * status and without the credential; concurrent calls are kept apart; a response that never ends
 * is bounded.
 *
 * <p>Extend it and implement {@link #startBackend()}.
 */
@Timeout(60)
public abstract class SttProviderContract {
  private SttBackend backend;

  /** For subclasses. */
  protected SttProviderContract() {}

  /**
   * Starts a fresh backend for one test; the contract closes it after the test.
   *
   * @return the scripted backend with your provider pointed at it
   * @throws Exception when it cannot start
   */
  protected abstract SttBackend startBackend() throws Exception;

  /**
   * The MIME type the contract declares for its uploads.
   *
   * @return {@code audio/wav} unless overridden
   */
  protected String mimeType() {
    return "audio/wav";
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

  private static byte[] audio(String what) {
    return ("contract-audio " + what + " " + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
  }

  private SttProvider provider() {
    return backend.provider();
  }

  private static Transcript await(CompletableFuture<Transcript> future) throws Exception {
    return future.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private OfficeHoursException failure(CompletableFuture<Transcript> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(future));
    return assertInstanceOf(OfficeHoursException.class, e.getCause(), "typed failure");
  }

  @Test
  void theTranscriptIsWhatTheServiceHeard() throws Exception {
    byte[] audio = audio("hear");
    backend.hear(audio, "When are office hours?");
    assertEquals("When are office hours?", await(provider().transcribe(audio, mimeType())).text());
  }

  @Test
  void transcribeReturnsBeforeTheServiceAnswers() throws Exception {
    byte[] audio = audio("no blocking");
    CountDownLatch release = new CountDownLatch(1);
    backend.hearAfter(audio, "later", release);
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<CompletableFuture<Transcript>> call =
          caller.submit(() -> provider().transcribe(audio, mimeType()));
      CompletableFuture<Transcript> future = call.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertFalse(future.isDone(), "done while the backend was still holding the answer");
      release.countDown();
      assertEquals("later", await(future).text());
    } finally {
      release.countDown();
      caller.shutdownNow();
    }
  }

  @Test
  void cancellingTheFutureClosesTheConnection() throws Exception {
    byte[] audio = audio("cancel");
    CountDownLatch release = new CountDownLatch(1);
    backend.hearAfter(audio, "never heard", release);
    CompletableFuture<Transcript> future = provider().transcribe(audio, mimeType());
    Await.until("the upload to reach the backend", () -> backend.openConnections() == 1);
    assertTrue(future.cancel(true), "the future could not be cancelled");
    Await.until("the cancelled call's connection to close", () -> backend.openConnections() == 0);
    release.countDown();
    assertThrows(CancellationException.class, future::join);
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {400, 401, 403, 404, 413, 429, 500, 503})
  void anHttpErrorIsAProviderExceptionWithItsStatus(int status) {
    byte[] audio = audio("status " + status);
    backend.fail(audio, status, "scripted failure " + status);
    OfficeHoursException error = failure(provider().transcribe(audio, mimeType()));
    ProviderException provider = assertInstanceOf(ProviderException.class, error);
    assertEquals(OfficeHoursException.Stage.STT, provider.stage());
    assertEquals(status, provider.status().orElse(-1), "status of " + provider);
  }

  @Test
  void errorsNeverCarryTheCredential() {
    String secret = backend.credential();
    assumeTrue(!secret.isEmpty(), "the provider takes no credential");
    byte[] audio = audio("secret");
    backend.fail(audio, 401, "Incorrect API key provided: " + secret + ".");
    Secrets.assertAbsent(secret, failure(provider().transcribe(audio, mimeType())));
    Secrets.assertAbsent(secret, provider().toString(), "the provider's toString()");
    Secrets.assertAbsent(secret, provider().id(), "the provider's id()");
  }

  @Test
  void concurrentTranscriptionsEachGetTheirOwnText() throws Exception {
    int calls = 8;
    List<byte[]> audios = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      byte[] audio = audio("concurrent " + i);
      audios.add(audio);
      backend.hear(audio, "utterance " + i);
    }
    ExecutorService callers = Executors.newFixedThreadPool(calls);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<Transcript>> results = new ArrayList<>();
      for (byte[] audio : audios) {
        results.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return provider().transcribe(audio, mimeType());
        }, callers).thenCompose(f -> f));
      }
      go.countDown();
      for (int i = 0; i < calls; i++) {
        assertEquals("utterance " + i, await(results.get(i)).text());
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void anEndlessResponseFailsTypedAndClosesTheConnection() {
    byte[] audio = audio("endless");
    assumeTrue(backend.endlessResponse(audio), "the backend cannot send an endless response");
    OfficeHoursException error = failure(provider().transcribe(audio, mimeType()));
    assertEquals(OfficeHoursException.Stage.STT, error.stage());
    Await.until("the connection to close", () -> backend.openConnections() == 0);
  }

  @Test
  void idIsStableAndNotBlank() {
    assertFalse(provider().id().isBlank());
    assertEquals(provider().id(), provider().id());
  }
}
