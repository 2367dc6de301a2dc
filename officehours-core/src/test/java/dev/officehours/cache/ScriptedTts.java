package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A TTS engine at the process boundary that the test answers by hand, call by call. */
final class ScriptedTts implements TtsProvider {
  final BlockingQueue<Synthesis> calls = new LinkedBlockingQueue<>();
  final AtomicInteger started = new AtomicInteger();

  @Override
  public String id() {
    return "scripted-tts";
  }

  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, "tts-model", "alloy", 1.0, "", AudioFormat.PCM_24K);
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    started.incrementAndGet();
    Synthesis s = new Synthesis(request, sink);
    calls.add(s);
    return s::cancel;
  }

  Synthesis next() throws InterruptedException {
    Synthesis s = calls.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no synthesis started within 10 s");
    }
    return s;
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

    Synthesis audio(byte[] bytes) {
      sink.onAudio(bytes.clone());
      return this;
    }

    void complete() {
      sink.onComplete();
    }

    void fail() {
      sink.onError(new OfficeHoursException(OfficeHoursException.Stage.TTS, "synthesis failed"));
    }
  }
}
