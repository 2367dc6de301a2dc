package dev.officehours.openai;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.TtsCall;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One speech synthesis: hands each piece of the body to the sink as it arrives (up to 8 KiB, or
 * whatever the socket had). For raw PCM each piece holds whole sample frames: a partial frame at
 * the end of a read is carried into the next piece, and one left over when the body ends is
 * dropped (a server that sends half a sample has nothing meaningful in it) and logged at debug.
 *
 * <p>Before the first byte is handed on, the response is checked to be audio ({@link
 * AudioBodyCheck}): its Content-Type, then its first 64 bytes. A 200 carrying an error in JSON or
 * an HTML page fails with the provider's message and delivers nothing, so it is neither played
 * nor cached.
 */
final class SpeechExchange extends Exchange implements TtsCall {
  private static final Logger log = LoggerFactory.getLogger(SpeechExchange.class);
  static final int MAX_PIECE = 8 * 1024;

  private final AudioSink sink;
  private final AudioFormat format;
  private final int frameSize;
  private volatile boolean audioDelivered;

  SpeechExchange(Endpoint endpoint, OkHttpClient client, Request request, RetryPolicy retryPolicy,
      long deadlineNanos, AudioSink sink, AudioFormat format) {
    super(Stage.TTS, "speech synthesis failed", endpoint, client, request, retryPolicy,
        deadlineNanos);
    this.sink = sink;
    this.format = format;
    this.frameSize = format.frameSize();
  }

  @Override
  boolean outputDelivered() {
    return audioDelivered;
  }

  @Override
  void deliverError(OfficeHoursException error) {
    sink.onError(error);
  }

  @Override
  void onSuccess(Response response) throws IOException {
    BufferedSource source = response.body().source();
    String notAudio = AudioBodyCheck.rejectType(response.header("Content-Type"));
    if (notAudio == null) {
      source.request(AudioBodyCheck.SNIFF_BYTES);
      Buffer buffered = source.getBuffer();
      notAudio = AudioBodyCheck.rejectStart(
          buffered.snapshot((int) Math.min(buffered.size(), AudioBodyCheck.SNIFF_BYTES)),
          format.encoding());
    }
    if (notAudio != null) {
      rejectBody(response, notAudio);
      return;
    }
    Buffer pending = new Buffer();
    while (!isCancelled()) {
      long read = source.read(pending, MAX_PIECE);
      if (read == -1) {
        break;
      }
      long whole = pending.size() - pending.size() % frameSize;
      if (whole == 0) {
        continue;
      }
      byte[] piece = pending.readByteArray(whole);
      if (isCancelled()) {
        return;
      }
      audioDelivered = true;
      sink.onAudio(piece);
    }
    if (isCancelled()) {
      return;
    }
    if (pending.size() > 0) {
      log.debug("dropped {} trailing byte(s) that do not make a whole sample frame",
          pending.size());
      pending.clear();
    }
    if (finish()) {
      sink.onComplete();
    }
  }

  /** Fails with what the body says (an error message, usually), never delivering any of it. */
  private void rejectBody(Response response, String why) {
    Errors.Details details = Errors.parseBody(Errors.readBody(response.body())).redacted(endpoint);
    closeConnection();
    fail(ProviderException.builder(stage, summary + ": " + why + " (" + format.encoding().wireName()
            + " was requested)")
        .errorType(details.type())
        .errorCode(details.code())
        .providerMessage(details.message())
        .retryable(false)
        .build());
  }

  @Override
  public String toString() {
    return "SpeechExchange[" + endpoint + "]";
  }
}
