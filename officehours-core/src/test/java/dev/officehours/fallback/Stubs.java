package dev.officehours.fallback;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.TokenUsage;
import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Providers at the process boundary that the test answers by hand, one call at a time. */
final class Stubs {
  private Stubs() {}

  static final ChatRequest QUESTION =
      ChatRequest.builder(List.of(ChatMessage.user("When are you open?"))).build();

  static ProviderException unavailable() {
    return ProviderException.builder(Stage.LLM, "chat completion failed").status(503)
        .retryable(true).build();
  }

  static ProviderException status(Stage stage, int status) {
    return ProviderException.builder(stage, "call failed").status(status).build();
  }

  static <T> T await(java.util.concurrent.BlockingQueue<T> queue, String who) {
    try {
      T t = queue.poll(10, java.util.concurrent.TimeUnit.SECONDS);
      if (t == null) {
        throw new AssertionError(who + " was not called within 10 s");
      }
      return t;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** An LLM whose every call the test drives: {@link #last()} is the newest. */
  static class Llm implements LlmProvider {
    final String id;
    final List<Stream> calls = Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.BlockingQueue<Stream> arrivals = new java.util.concurrent.LinkedBlockingQueue<>();

    Llm(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String defaultModel() {
      return id + "-model";
    }

    @Override
    public LlmCall stream(ChatRequest request, LlmListener listener) {
      Stream s = new Stream(request, listener);
      calls.add(s);
      arrivals.add(s);
      return s;
    }

    /** Waits up to 10 s for the next call (made on another thread, by a pipeline). */
    Stream next() {
      return await(arrivals, id);
    }

    Stream last() {
      if (calls.isEmpty()) {
        throw new AssertionError(id + " was never called");
      }
      return calls.get(calls.size() - 1);
    }
  }

  static final class Stream implements LlmCall {
    final ChatRequest request;
    final LlmListener listener;
    volatile boolean cancelled;
    volatile boolean committed;

    Stream(ChatRequest request, LlmListener listener) {
      this.request = request;
      this.listener = listener;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public void commit() {
      committed = true;
    }

    Stream tokens(String... tokens) {
      for (String t : tokens) {
        listener.onToken(t);
      }
      return this;
    }

    void complete() {
      listener.onComplete(new LlmCompletion("stop", new TokenUsage(1, 2, 3), "m", false));
    }

    void fail(OfficeHoursException e) {
      listener.onError(e);
    }
  }

  /** Records what a listener heard. */
  static class LlmEvents implements LlmListener {
    final List<String> tokens = Collections.synchronizedList(new ArrayList<>());
    final List<LlmCompletion> completions = Collections.synchronizedList(new ArrayList<>());
    final List<OfficeHoursException> errors = Collections.synchronizedList(new ArrayList<>());
    volatile int cacheHits;

    @Override
    public void onCacheHit() {
      cacheHits++;
    }

    @Override
    public void onToken(String delta) {
      tokens.add(delta);
    }

    @Override
    public void onComplete(LlmCompletion completion) {
      completions.add(completion);
    }

    @Override
    public void onError(OfficeHoursException error) {
      errors.add(error);
    }

    int terminals() {
      return completions.size() + errors.size();
    }
  }

  /** A TTS engine whose every synthesis the test answers. */
  static class Tts implements TtsProvider {
    final String id;
    final String voice;
    final AudioFormat format;
    final List<Synthesis> calls = Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.BlockingQueue<Synthesis> arrivals = new java.util.concurrent.LinkedBlockingQueue<>();

    Tts(String id, String voice) {
      this(id, voice, AudioFormat.PCM_24K);
    }

    Tts(String id, String voice, AudioFormat format) {
      this.id = id;
      this.voice = voice;
      this.format = format;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public SpeechRequest request(String text) {
      return new SpeechRequest(text, id + "-model", voice, 1.0, "", format);
    }

    @Override
    public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
      Synthesis s = new Synthesis(request, sink);
      calls.add(s);
      arrivals.add(s);
      return s;
    }

    /** Waits up to 10 s for the next synthesis (started on another thread, by a pipeline). */
    Synthesis next() {
      return await(arrivals, id);
    }

    Synthesis last() {
      if (calls.isEmpty()) {
        throw new AssertionError(id + " was never called");
      }
      return calls.get(calls.size() - 1);
    }
  }

  static final class Synthesis implements TtsCall {
    final SpeechRequest request;
    final AudioSink sink;
    volatile boolean cancelled;

    Synthesis(SpeechRequest request, AudioSink sink) {
      this.request = request;
      this.sink = sink;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    /** Audio spelling the voice, so a test hears who spoke. */
    Synthesis speak() {
      sink.onAudio(request.voice().getBytes(StandardCharsets.UTF_8));
      return this;
    }

    void complete() {
      sink.onComplete();
    }

    void fail(OfficeHoursException e) {
      sink.onError(e);
    }
  }

  /** Records what a sink heard: the provider named, the audio as text, the end. */
  static class Heard implements AudioSink {
    final List<String> providers = Collections.synchronizedList(new ArrayList<>());
    final StringBuilder audio = new StringBuilder();
    volatile boolean completed;
    volatile boolean cacheHit;
    final List<OfficeHoursException> errors = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onProvider(String providerId) {
      providers.add(providerId);
    }

    @Override
    public void onCacheHit() {
      cacheHit = true;
    }

    @Override
    public synchronized void onAudio(byte[] bytes) {
      audio.append(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void onComplete() {
      completed = true;
    }

    @Override
    public void onError(OfficeHoursException error) {
      errors.add(error);
    }

    synchronized String audio() {
      return audio.toString();
    }
  }

  /** A speech recogniser whose every call the test completes. */
  static final class Stt implements SttProvider {
    final String id;
    final List<CompletableFuture<Transcript>> calls = Collections.synchronizedList(new ArrayList<>());

    Stt(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    final List<String> languages = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType) {
      CompletableFuture<Transcript> f = new CompletableFuture<>();
      calls.add(f);
      return f;
    }

    @Override
    public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType, String language) {
      languages.add(language);
      return transcribe(audio, mimeType);
    }

    CompletableFuture<Transcript> last() {
      if (calls.isEmpty()) {
        throw new AssertionError(id + " was never called");
      }
      return calls.get(calls.size() - 1);
    }
  }
}
