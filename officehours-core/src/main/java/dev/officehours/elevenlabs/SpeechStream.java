package dev.officehours.elevenlabs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.Http;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.TtsCall;
import java.io.IOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One synthesis over {@code /stream/with-timestamps}, with its retries: reads the stream of JSON
 * messages ({@code audio_base64}, {@code alignment}, {@code normalized_alignment}) as they
 * arrive, hands each message's audio on with the words that start in it ({@link WordAligner}),
 * and guarantees exactly one terminal callback and nothing after {@link #cancel()}.
 *
 * <p>Retries follow the {@link RetryPolicy} as OpenAI's providers do: connection failures, 408,
 * 409, 429 and 5xx, only before the first audio byte went on, honouring {@code Retry-After}, never
 * past the deadline; no thread sleeps between attempts. The body is read on OkHttp's dispatcher
 * thread, which may wait in the sink (backpressure).
 */
final class SpeechStream implements Callback, TtsCall {
  private static final Logger log = LoggerFactory.getLogger(SpeechStream.class);

  private final OkHttpClient client;
  private final Request request;
  private final RetryPolicy retryPolicy;
  private final long deadlineNanos;
  private final AudioSink sink;
  private final AudioFormat format;
  private final long maxMessageBytes;
  /** The key and the request's header values: masked in whatever the server echoes. */
  private final List<String> secrets;

  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicInteger requestsSent = new AtomicInteger();
  private volatile boolean cancelled;
  private volatile boolean audioDelivered;
  private volatile Call current;
  private volatile ScheduledFuture<?> pendingRetry;
  private int retries;

  SpeechStream(OkHttpClient client, Request request, RetryPolicy retryPolicy, long deadlineNanos,
      AudioSink sink, AudioFormat format, long maxMessageBytes, List<String> secrets) {
    this.client = client;
    this.request = request;
    this.retryPolicy = retryPolicy;
    this.deadlineNanos = deadlineNanos;
    this.sink = sink;
    this.format = format;
    this.maxMessageBytes = maxMessageBytes;
    this.secrets = List.copyOf(secrets);
  }

  void start() {
    send();
  }

  @Override
  public void cancel() {
    cancelled = true;
    Call call = current;
    if (call != null) {
      call.cancel();
    }
    ScheduledFuture<?> retry = pendingRetry;
    if (retry != null) {
      retry.cancel(false);
    }
  }

  private void send() {
    if (cancelled) {
      return;
    }
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      fail(ElevenLabsErrors.fromIo(new IOException("deadline"), audioDelivered, true));
      return;
    }
    Call call = client.newCall(request);
    call.timeout().timeout(remaining, TimeUnit.NANOSECONDS);
    current = call;
    if (cancelled) {
      call.cancel();
      return;
    }
    requestsSent.incrementAndGet();
    call.enqueue(this);
  }

  @Override
  public void onFailure(Call call, IOException e) {
    if (!cancelled) {
      fail(ElevenLabsErrors.fromIo(e, audioDelivered, deadlinePassed()));
    }
  }

  @Override
  public void onResponse(Call call, Response response) {
    try (response) {
      if (cancelled) {
        return;
      }
      if (!response.isSuccessful()) {
        fail(ElevenLabsErrors.fromResponse(response, secrets));
        return;
      }
      read(response);
    } catch (MessageReader.TooLargeException e) {
      closeConnection();
      fail(ElevenLabsErrors.malformed(e.getMessage() + " (setting: maxMessageBytes)"));
    } catch (ProtocolException e) {
      closeConnection();
      fail(ElevenLabsErrors.malformed(e.getMessage()));
    } catch (IOException e) {
      if (!cancelled) {
        fail(ElevenLabsErrors.fromIo(e, audioDelivered, deadlinePassed()));
      }
    } catch (RuntimeException e) {
      // A bug or a sink that threw: report it rather than leave the caller waiting.
      if (!cancelled && finished.compareAndSet(false, true)) {
        sink.onError(ProviderException.builder(Stage.TTS,
                ElevenLabsErrors.SUMMARY + ": unexpected failure")
            .attempts(requestsSent.get()).cause(e).build());
      }
    }
  }

  private void read(Response response) throws IOException {
    String type = response.header("Content-Type", "");
    if (type.toLowerCase(Locale.ROOT).startsWith("text/html")) {
      fail(ElevenLabsErrors.malformed("the server sent an HTML page, not a stream of JSON messages"));
      return;
    }
    MessageReader messages = new MessageReader(response.body().source(), maxMessageBytes);
    WordAligner aligner = new WordAligner(format);
    byte[] message;
    while (!cancelled && (message = messages.next()) != null) {
      JsonNode root;
      try {
        root = ElevenLabsErrors.JSON.readTree(message);
      } catch (IOException e) {
        throw new ProtocolException("a message of the stream is not valid JSON");
      }
      if (root.has("detail") || root.has("error")) {
        closeConnection();
        fail(ElevenLabsErrors.fromStreamPayload(root, audioDelivered, secrets));
        return;
      }
      JsonNode audio = root.get("audio_base64");
      if (audio != null && audio.isTextual() && !audio.asText().isEmpty()) {
        try {
          aligner.audio(Base64.getMimeDecoder().decode(audio.asText()));
        } catch (IllegalArgumentException e) {
          throw new ProtocolException("audio_base64 of a message is not base64");
        }
      }
      alignment(root, aligner);
      deliver(aligner.drain());
    }
    if (cancelled) {
      return;
    }
    deliver(aligner.finish());
    if (aligner.trailingBytes() > 0 || aligner.wordsLeft() > 0) {
      log.debug("dropped {} trailing byte(s) that do not make a whole sample frame and {} word"
          + " timing(s) after the last audio", aligner.trailingBytes(), aligner.wordsLeft());
    }
    if (!cancelled && finished.compareAndSet(false, true)) {
      sink.onComplete();
    }
  }

  /**
   * Feeds a message's character timings to the aligner: {@code alignment} (the characters of the
   * text as sent, which is what a caption shows), else {@code normalized_alignment}. Timings whose
   * arrays do not line up are skipped: the audio is still good.
   */
  private static void alignment(JsonNode root, WordAligner aligner) {
    JsonNode a = root.get("alignment");
    if (a == null || !a.isObject()) {
      a = root.get("normalized_alignment");
    }
    if (a == null || !a.isObject()) {
      return;
    }
    JsonNode chars = a.get("characters");
    JsonNode starts = a.get("character_start_times_seconds");
    JsonNode ends = a.get("character_end_times_seconds");
    if (chars == null || starts == null || ends == null || !chars.isArray() || !starts.isArray()
        || !ends.isArray() || chars.size() != starts.size() || chars.size() != ends.size()) {
      log.debug("skipped an alignment whose arrays do not line up");
      return;
    }
    List<String> cs = new ArrayList<>(chars.size());
    double[] s = new double[chars.size()];
    double[] e = new double[chars.size()];
    for (int i = 0; i < chars.size(); i++) {
      cs.add(chars.get(i).asText());
      s[i] = starts.get(i).asDouble();
      e[i] = ends.get(i).asDouble();
    }
    aligner.characters(cs, s, e);
  }

  private void deliver(WordAligner.Piece piece) {
    if (piece == null || cancelled) {
      return;
    }
    audioDelivered = true;
    sink.onAudio(piece.audio(), piece.words());
  }

  private void closeConnection() {
    Call call = current;
    if (call != null) {
      call.cancel();
    }
  }

  /** Reports an error, or retries when it is retryable and no audio went on yet. */
  private void fail(ProviderException error) {
    if (cancelled || finished.get()) {
      return;
    }
    if (error.retryable() && !audioDelivered && retries < retryPolicy.maxRetries()) {
      Duration asked = error.retryAfter().orElse(null);
      Optional<Duration> delay = retryPolicy.retryDelay(retries + 1, asked,
          Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
      if (delay.isPresent()) {
        retries++;
        log.debug("{} ({}), retry {} of {} in {} ms", ElevenLabsErrors.SUMMARY, error.getMessage(),
            retries, retryPolicy.maxRetries(), delay.get().toMillis());
        try {
          pendingRetry = Http.scheduler().schedule(this::send, delay.get().toNanos(),
              TimeUnit.NANOSECONDS);
          if (cancelled) {
            pendingRetry.cancel(false);
          }
          return;
        } catch (RejectedExecutionException e) {
          // fall through and report the error
        }
      }
    }
    if (!cancelled && finished.compareAndSet(false, true)) {
      int sent = requestsSent.get();
      sink.onError(error.attempts() == sent ? error : error.toBuilder().attempts(sent).build());
    }
  }

  private boolean deadlinePassed() {
    return System.nanoTime() - deadlineNanos >= 0;
  }

  @Override
  public String toString() {
    return "ElevenLabs SpeechStream[" + request.url().host() + "]";
  }
}
