package dev.officehours;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import dev.officehours.errors.OfficeHoursException;

/**
 * A TTS engine at the process boundary that the test drives by hand: each synthesis becomes a
 * {@link Synthesis} the test takes with {@link #next()} and answers with audio, completion or an
 * error, in whatever order the test needs.
 */
final class FakeTts implements TtsProvider {
  final BlockingQueue<Synthesis> calls = new LinkedBlockingQueue<>();
  final List<Synthesis> all = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public String id() {
    return "fake-tts";
  }

  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, "fake-tts-model", "alloy", 1.0, "", AudioFormat.PCM_24K);
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    Synthesis s = new Synthesis(request, sink);
    calls.add(s);
    all.add(s);
    return s::cancel;
  }

  Synthesis next() {
    try {
      Synthesis s = calls.poll(10, TimeUnit.SECONDS);
      if (s == null) {
        throw new AssertionError("the pipeline started no TTS call within 10 s");
      }
      return s;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Nothing more was asked of TTS right now (checked after the pipeline is known to be idle). */
  boolean noPendingCall() {
    return calls.isEmpty();
  }

  static final class Synthesis {
    final SpeechRequest request;
    final AudioSink sink;
    volatile boolean cancelled;

    Synthesis(SpeechRequest request, AudioSink sink) {
      this.request = request;
      this.sink = sink;
    }

    void cancel() {
      cancelled = true;
    }

    /** Audio whose bytes spell a label, so tests can tell frames apart. */
    Synthesis audio(String label) {
      byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
      sink.onAudio(bytes.length % 2 == 0 ? bytes : java.util.Arrays.copyOf(bytes, bytes.length + 1));
      return this;
    }

    void complete() {
      sink.onComplete();
    }

    void fail(OfficeHoursException e) {
      sink.onError(e);
    }
  }
}
