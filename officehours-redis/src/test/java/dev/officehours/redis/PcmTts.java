package dev.officehours.redis;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TTS engine at the process boundary: deterministic PCM per text (so cached and live audio can
 * be compared byte for byte), sent in two pieces from its own thread.
 */
final class PcmTts implements TtsProvider, AutoCloseable {
  final AtomicInteger calls = new AtomicInteger();
  private final ExecutorService network = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "fake-tts-network");
    t.setDaemon(true);
    return t;
  });

  static byte[] pcmFor(String text) {
    byte[] seed = text.getBytes(StandardCharsets.UTF_8);
    byte[] pcm = new byte[4800]; // 100 ms at 24 kHz, 16-bit mono
    for (int i = 0; i < pcm.length; i++) {
      pcm[i] = (byte) (seed[i % seed.length] + i / seed.length);
    }
    return pcm;
  }

  @Override
  public String id() {
    return "pcm-tts";
  }

  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, "pcm-model", "alloy", 1.0, "", AudioFormat.PCM_24K);
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    calls.incrementAndGet();
    AtomicBoolean cancelled = new AtomicBoolean();
    network.execute(() -> {
      byte[] pcm = pcmFor(request.text());
      if (!cancelled.get()) {
        sink.onAudio(Arrays.copyOfRange(pcm, 0, 2400));
      }
      if (!cancelled.get()) {
        sink.onAudio(Arrays.copyOfRange(pcm, 2400, pcm.length));
      }
      if (!cancelled.get()) {
        sink.onComplete();
      }
    });
    return () -> cancelled.set(true);
  }

  @Override
  public void close() {
    network.shutdownNow();
  }
}
