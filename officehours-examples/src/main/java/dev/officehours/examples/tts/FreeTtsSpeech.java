package dev.officehours.examples.tts;

import com.sun.speech.freetts.Voice;
import com.sun.speech.freetts.VoiceManager;
import com.sun.speech.freetts.audio.AudioPlayer;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A speech provider that really speaks, offline and without a key: FreeTTS, pure Java, with its
 * {@code kevin16} voice. Its audio (16 kHz, 16-bit, big-endian) is converted to the pipeline's
 * {@link AudioFormat#PCM_24K} (24 kHz, 16-bit little-endian, mono) and delivered sentence by
 * sentence as FreeTTS finishes each one.
 *
 * <p>FreeTTS blocks while it synthesises and a voice is not thread-safe, so syntheses run on a
 * small dedicated pool where each thread owns its own voice; {@link #synthesize} returns at once.
 * Only raw PCM is produced: a request for another format fails with a clear error. Close it to
 * stop its threads.
 */
public final class FreeTtsSpeech implements TtsProvider, AutoCloseable {
  /** The only voice FreeTTS ships with a usable quality. */
  public static final String VOICE = "kevin16";
  private static final String VOICES_PROPERTY = "freetts.voices";
  private static final String KEVIN_DIRECTORY = "com.sun.speech.freetts.en.us.cmu_us_kal.KevinVoiceDirectory";
  private static final Object ALLOCATION_LOCK = new Object();

  private final ExecutorService pool;
  private final double speed;
  private final ThreadLocal<Voice> voices = new ThreadLocal<>();

  private FreeTtsSpeech(int threads, double speed) {
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "officehours-freetts-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.speed = speed;
  }

  /**
   * A provider with one synthesis thread at normal speed.
   *
   * @return the provider; close it to stop its thread
   */
  public static FreeTtsSpeech create() {
    return create(1, 1.0);
  }

  /**
   * A provider.
   *
   * @param threads syntheses that may run at once, 1..16 (each thread holds its own voice)
   * @param speed speaking speed, 0.25..4.0, 1.0 normal
   * @return the provider
   * @throws IllegalArgumentException naming the value, when out of range
   */
  public static FreeTtsSpeech create(int threads, double speed) {
    if (threads < 1 || threads > 16) {
      throw new IllegalArgumentException("threads must be in 1..16 but was " + threads);
    }
    if (!(speed >= 0.25 && speed <= 4.0)) {
      throw new IllegalArgumentException("speed must be in 0.25..4.0 but was " + speed);
    }
    return new FreeTtsSpeech(threads, speed);
  }

  /**
   * Loads the voice in the background (about a second, once per thread), so the first answer
   * does not wait for it. Returns at once.
   */
  public void warmUp() {
    try {
      pool.submit(this::voice);
    } catch (RejectedExecutionException e) {
      // closed: nothing to warm
    }
  }

  @Override
  public String id() {
    return "freetts-" + VOICE;
  }

  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, "freetts", VOICE, speed, "", AudioFormat.PCM_24K);
  }

  @Override
  public int maxInputChars() {
    return 2_000;
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    if (!request.format().isRawPcm()) {
      sink.onError(ProviderException.builder(OfficeHoursException.Stage.TTS,
          "FreeTTS produces only raw PCM, not " + request.format().encoding().wireName()).build());
      return () -> {};
    }
    Delivery delivery = new Delivery(sink);
    Future<?> task;
    try {
      task = pool.submit(() -> run(request, delivery));
    } catch (RejectedExecutionException e) {
      sink.onError(new OfficeHoursException(OfficeHoursException.Stage.TTS, "FreeTTS provider is closed", e));
      return () -> {};
    }
    return () -> {
      if (delivery.cancel()) {
        task.cancel(false);
      }
    };
  }

  private void run(SpeechRequest request, Delivery delivery) {
    if (delivery.cancelled()) {
      return;
    }
    try {
      Voice voice = voice();
      voice.setRate((float) (150 * request.speed()));
      CapturingPlayer player = new CapturingPlayer(delivery, request.format().sampleRate());
      voice.setAudioPlayer(player);
      voice.speak(request.text());
      if (player.delivered == 0) {
        delivery.error(ProviderException.builder(OfficeHoursException.Stage.TTS,
            "FreeTTS produced no audio for a text of " + request.text().length() + " chars").build());
      } else {
        delivery.complete();
      }
    } catch (RuntimeException | LinkageError e) {
      delivery.error(new OfficeHoursException(OfficeHoursException.Stage.TTS, "FreeTTS synthesis failed: " + e, e));
    }
  }

  /** Guards the sink: after a cancel or a terminal callback, nothing more reaches it. */
  private static final class Delivery {
    private final AudioSink sink;
    private boolean done;

    Delivery(AudioSink sink) {
      this.sink = sink;
    }

    synchronized boolean cancelled() {
      return done;
    }

    synchronized boolean cancel() {
      boolean wasLive = !done;
      done = true;
      return wasLive;
    }

    synchronized boolean audio(byte[] pcm) {
      if (!done) {
        sink.onAudio(pcm);
      }
      return !done;
    }

    synchronized void complete() {
      if (!done) {
        done = true;
        sink.onComplete();
      }
    }

    synchronized void error(OfficeHoursException e) {
      if (!done) {
        done = true;
        sink.onError(e);
      }
    }
  }

  private Voice voice() {
    Voice voice = voices.get();
    if (voice == null) {
      synchronized (ALLOCATION_LOCK) {
        // FreeTTS finds no voice at all unless told where its voice directory is.
        if (System.getProperty(VOICES_PROPERTY) == null) {
          System.setProperty(VOICES_PROPERTY, KEVIN_DIRECTORY);
        }
        voice = VoiceManager.getInstance().getVoice(VOICE);
        if (voice == null) {
          throw new IllegalStateException("FreeTTS has no voice " + VOICE + " (freetts.voices="
              + System.getProperty(VOICES_PROPERTY) + ")");
        }
        voice.allocate();
      }
      voices.set(voice);
    }
    return voice;
  }

  /** Stops the synthesis threads; syntheses in flight are abandoned. */
  @Override
  public void close() {
    pool.shutdownNow();
  }

  /**
   * Receives FreeTTS's output (one utterance per sentence), converts it and hands it to the sink.
   * Writing {@code false} back tells FreeTTS to stop, which is how a cancel ends a synthesis.
   */
  private static final class CapturingPlayer implements AudioPlayer {
    private final Delivery delivery;
    private final int targetRate;
    private final ByteArrayOutputStream utterance = new ByteArrayOutputStream();
    private javax.sound.sampled.AudioFormat format =
        new javax.sound.sampled.AudioFormat(16_000, 16, 1, true, true);
    private long delivered;

    CapturingPlayer(Delivery delivery, int targetRate) {
      this.delivery = delivery;
      this.targetRate = targetRate;
    }

    @Override
    public void setAudioFormat(javax.sound.sampled.AudioFormat format) {
      this.format = format;
    }

    @Override
    public javax.sound.sampled.AudioFormat getAudioFormat() {
      return format;
    }

    @Override
    public void begin(int size) {
      utterance.reset();
    }

    @Override
    public boolean write(byte[] audio) {
      return write(audio, 0, audio.length);
    }

    @Override
    public boolean write(byte[] audio, int offset, int length) {
      if (delivery.cancelled()) {
        return false;
      }
      utterance.write(audio, offset, length);
      return true;
    }

    @Override
    public boolean end() {
      if (delivery.cancelled()) {
        return false;
      }
      byte[] pcm = PcmConverter.toPcm16le(utterance.toByteArray(), (int) format.getSampleRate(),
          format.isBigEndian(), format.getSampleSizeInBits(), targetRate);
      utterance.reset();
      if (pcm.length > 0) {
        delivered += pcm.length;
        return delivery.audio(pcm);
      }
      return true;
    }

    @Override
    public boolean drain() {
      return !delivery.cancelled();
    }

    @Override
    public void cancel() {
      utterance.reset();
    }

    @Override
    public void pause() {}

    @Override
    public void resume() {}

    @Override
    public void reset() {}

    @Override
    public void close() {}

    @Override
    public float getVolume() {
      return 1f;
    }

    @Override
    public void setVolume(float volume) {}

    @Override
    public long getTime() {
      return 0;
    }

    @Override
    public void resetTime() {}

    @Override
    public void startFirstSampleTimer() {}

    @Override
    public void showMetrics() {}
  }
}
