package dev.officehours.jmh;

import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.TtsCache;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.SpeechRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cache keys a turn computes: the TTS key once per chunk, the answer key once per turn (and
 * again when the answer is stored).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CacheKeyJmh {
  /** The id {@code OpenAiSpeech} gives itself for api.openai.com. */
  private static final String TTS_PROVIDER_ID = "openai-speech@api.openai.com";

  /** The cache whose key function {@link #ttsKeyOfOneChunk} measures. */
  public TtsCache ttsCache;
  /** The cache whose key function {@link #answerKeyOfATurn} measures. */
  public AnswerCache answerCache;
  /** The LLM whose id and default model are part of the answer key. */
  public OpenAiChat llm;
  /** One chunk's synthesis request, as the pipeline builds it. */
  public SpeechRequest speech;
  /** The third turn of a support conversation. */
  public ChatRequest chat;

  /** Builds the caches (nothing is stored) and a realistic request of each kind. */
  @Setup
  public void setUp() {
    ttsCache = TtsCache.inMemory();
    answerCache = AnswerCache.inMemory();
    llm = OpenAiChat.builder().apiKey("sk-not-used").build();
    speech = new SpeechRequest("Click \"Forgot password\", enter the email address on your"
        + " account, and we will send you a link within a minute or two.", "gpt-4o-mini-tts",
        "alloy", 1.0, "Speak in a warm, friendly tone.", AudioFormat.PCM_24K);
    chat = ChatRequest.builder(List.of(
            ChatMessage.system("You are the voice assistant of Example Inc.'s help desk. Answer in"
                + " two to four short spoken sentences, without markdown, lists or links. If you"
                + " do not know the answer, say so and offer to connect the caller to a person."
                + " Never ask for a password or a full card number."),
            ChatMessage.user("Hi, I can't get into my account."),
            ChatMessage.assistant("I'm sorry to hear that. Are you seeing an error message, or"
                + " did you forget your password?"),
            ChatMessage.user("I think I forgot my password."),
            ChatMessage.assistant("No problem, that happens to all of us. I can walk you"
                + " through resetting it."),
            ChatMessage.user("OK, how do I reset my password?")))
        .maxTokens(300)
        .temperature(0.7)
        .build();
  }

  /**
   * The TTS cache key of one chunk of about a hundred characters.
   *
   * @return the key
   */
  @Benchmark
  public String ttsKeyOfOneChunk() {
    return ttsCache.key(TTS_PROVIDER_ID, speech);
  }

  /**
   * The answer cache key of a request with a system prompt, four earlier messages and the
   * question.
   *
   * @return the key
   */
  @Benchmark
  public String answerKeyOfATurn() {
    return answerCache.key(llm, chat).orElseThrow();
  }
}
