package dev.officehours;

import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A speech-to-text engine at the process boundary that the test drives by hand: each
 * transcription becomes a {@link Transcription} the test takes with {@link #next()} and answers
 * with a transcript or an error.
 */
final class FakeStt implements SttProvider {
  final BlockingQueue<Transcription> calls = new LinkedBlockingQueue<>();

  @Override
  public String id() {
    return "fake-stt";
  }

  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType) {
    return transcribe(audio, mimeType, "");
  }

  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType, String language) {
    Transcription t = new Transcription(audio, mimeType, language);
    calls.add(t);
    return t.future;
  }

  Transcription next() {
    try {
      Transcription t = calls.poll(10, TimeUnit.SECONDS);
      if (t == null) {
        throw new AssertionError("the pipeline started no transcription within 10 s");
      }
      return t;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static final class Transcription {
    final byte[] audio;
    final String mimeType;
    final String language;
    /** Cancelling it is how the pipeline cancels the call. */
    final CompletableFuture<Transcript> future = new CompletableFuture<>();

    Transcription(byte[] audio, String mimeType, String language) {
      this.audio = audio;
      this.mimeType = mimeType;
      this.language = language;
    }

    void heard(String text) {
      future.complete(new Transcript(text, "en"));
    }

    void fail(Throwable error) {
      future.completeExceptionally(error);
    }

    /** Waits up to 10 s for the pipeline to cancel this call. */
    boolean awaitCancelled() {
      try {
        future.handle((t, e) -> null).get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
      return future.isCancelled();
    }
  }
}
