package dev.officehours.cache;

import dev.officehours.internal.RequestExtras;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.llm.ToolDefinition;
import dev.officehours.metrics.PipelineObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Answers repeated questions from a cache instead of the LLM. A hit replays the stored answer as
 * a token stream (asynchronously, word by word) and completes with
 * {@code LlmCompletion.fromCache() == true}, so the pipeline's chunker and TTS run as usual and
 * usually hit the {@link TtsCache} in turn.
 *
 * <pre>{@code
 * ConversationPipeline.builder()
 *     .answerCache(AnswerCache.inMemory())                                    // or:
 *     .answerCache(AnswerCache.builder(store).ttl(Duration.ofMinutes(30)).statelessFaq(true).build())
 * }</pre>
 *
 * <p>The key is a SHA-256, with a version prefix, over the provider id, the model (the request's,
 * else the provider's default), the system prompt, the generation settings (max tokens,
 * temperature), a fingerprint of the conversation before the question (every earlier message's
 * role and text, the tool calls an assistant message made (id, name, arguments) and the call a
 * tool message answers), the normalised question, and the tools the request offers (name,
 * description, parameters schema) with its tool choice, so an answer is never replayed into
 * another tool context. The question is normalised only where that never changes what is asked:
 * Unicode NFC, fullwidth and halfwidth forms, typographic quotes, case,
 * runs of whitespace, and the closing {@code ? ! . …} (a {@code !} after a digit stays, as a
 * factorial). Operators, signs, decimal points, currency and unit symbols and emoji all count:
 * "What is 3-1?" and "What is 3+1?", "C++" and "C#", "5°C" and "5 C" are different questions,
 * while "What's the Wi-Fi password?" and " what’s the WI-FI  password " are the same. The
 * context in the key means a follow-up ("and the second one?") never gets another conversation's
 * answer. With {@link Builder#statelessFaq(boolean) statelessFaq(true)} the context is left out
 * (the system prompt stays): the same question gets the same answer in every conversation.
 *
 * <p>Never cached: turns with an image, failed, cancelled, truncated ({@code finish_reason=length})
 * or filtered ({@code content_filter}) answers, empty answers, completions that call tools
 * ({@code finish_reason=tool_calls} or any {@link dev.officehours.llm.LlmCompletion#toolCalls()}),
 * and requests whose last message is not the user's (so no round after a tool result either).
 * An answer is stored when its turn completes ({@link dev.officehours.llm.LlmCall#commit()}), not
 * when its stream ends, so a turn cancelled while its answer was still being spoken leaves nothing
 * behind.
 *
 * <p>A failing store (Redis down) is a miss and a dropped write: the LLM answers, and
 * {@link PipelineObserver#cacheError(String) cacheError("answer")} records it.
 */
public final class AnswerCache {
  /**
   * The key prefix; its version changes whenever the key's recipe or the stored format does, unless
   * the change leaves every existing key as it was (tools were added that way: a request without
   * tools, in a context without tool calls, has the key it had before).
   */
  public static final String KEY_PREFIX = "answer:v2:";
  static final int FORMAT_VERSION = 1;
  /** Mark the fields of tools in a key; never a role's wire name, so never read as a message. */
  private static final String TOOLS_TAG = "\u0000tools";
  private static final String TOOL_CALLS_TAG = "\u0000tool_calls";
  private static final String TOOL_CALL_ID_TAG = "\u0000tool_call_id";

  private final CacheStore store;
  private final Duration ttl;
  private final boolean statelessFaq;
  private final Executor executor;

  private AnswerCache(Builder b) {
    this.store = b.store;
    this.ttl = b.ttl;
    this.statelessFaq = b.statelessFaq;
    this.executor = b.executor;
  }

  /**
   * A cache in this JVM's memory: its own default {@link CaffeineCacheStore}, TTL 30 min.
   *
   * @return a new, empty cache
   */
  public static AnswerCache inMemory() {
    return builder(CaffeineCacheStore.create()).build();
  }

  /**
   * Starts a cache over {@code store}.
   *
   * @param store where the answers live; not null
   * @return a builder with the defaults of {@link #inMemory()} for everything else
   */
  public static Builder builder(CacheStore store) {
    return new Builder(store);
  }

  /**
   * Wraps {@code provider} so that repeated questions are answered from this cache. The pipeline
   * calls this when built with {@code answerCache(...)}.
   *
   * @param provider the LLM that answers on a miss
   * @param observer told about hits, misses and store errors under the name {@code answer}
   * @return a provider that answers from this cache on a hit and from {@code provider} otherwise
   */
  public LlmProvider wrap(LlmProvider provider, PipelineObserver observer) {
    return new CachingLlmProvider(this, provider, observer);
  }

  /**
   * The cache key of {@code request} to {@code provider}.
   *
   * @param provider the LLM the request would go to; its id and default model are part of the key
   * @param request the request
   * @return the key, starting with {@link #KEY_PREFIX}; empty when the request is never cached (an
   *     image, or the last message is not the user's)
   */
  public Optional<String> key(LlmProvider provider, ChatRequest request) {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(request, "request");
    List<ChatMessage> messages = request.messages();
    ChatMessage question = messages.get(messages.size() - 1);
    if (request.hasImage() || question.role() != ChatMessage.Role.USER) {
      return Optional.empty();
    }
    CacheKeys k = CacheKeys.sha256()
        .add(provider.id())
        .add(request.model().orElse(provider.defaultModel()))
        .add(request.maxTokens())
        .add(request.temperature().isPresent() ? Double.toString(request.temperature().getAsDouble()) : "-");
    StringBuilder system = new StringBuilder();
    CacheKeys context = CacheKeys.sha256();
    int contextMessages = 0;
    for (int i = 0; i < messages.size() - 1; i++) {
      ChatMessage m = messages.get(i);
      if (m.role() == ChatMessage.Role.SYSTEM) {
        system.append(m.text()).append('\n');
      } else {
        context.add(m.role().wireName()).add(m.text());
        addToolFields(context, m);
        contextMessages++;
      }
    }
    k.add(system.toString());
    k.add(statelessFaq ? "faq" : context.add(contextMessages).hex("ctx:"));
    k.add(CacheKeys.normaliseQuestion(question.text()));
    if (!request.extraBody().isEmpty() || !request.extraHeaders().isEmpty()) {
      // Only when present, so keys of requests without them stay as they were.
      k.add("extras").add(RequestExtras.canonical(request.extraBody()))
          .add(RequestExtras.canonical(request.extraHeaders()));
    }
    // Last, and only when tools are offered, so a request without tools keeps the key it had
    // before tools existed: the same answers, no cache made cold by an upgrade.
    if (!request.tools().isEmpty()) {
      k.add(TOOLS_TAG).add(request.tools().size());
      for (ToolDefinition tool : request.tools()) {
        k.add(tool.name()).add(tool.description()).add(tool.parametersSchema());
      }
      k.add(request.toolChoice().wireName());
    }
    return Optional.of(k.hex(KEY_PREFIX));
  }

  /**
   * Adds what a message carries besides its role and text: the calls an assistant message made,
   * the call a tool message answers. Nothing for a message without either, so a context without
   * tools hashes as it did before tools existed.
   */
  private static void addToolFields(CacheKeys context, ChatMessage m) {
    if (!m.toolCalls().isEmpty()) {
      context.add(TOOL_CALLS_TAG).add(m.toolCalls().size());
      for (ToolCallRequest call : m.toolCalls()) {
        context.add(call.id()).add(call.name()).add(call.arguments());
      }
    }
    if (!m.toolCallId().isEmpty()) {
      context.add(TOOL_CALL_ID_TAG).add(m.toolCallId());
    }
  }

  /**
   * Where the answers live.
   *
   * @return the store given to the builder
   */
  public CacheStore store() {
    return store;
  }

  /**
   * How long answers are kept.
   *
   * @return the time to live of every stored answer
   */
  public Duration ttl() {
    return ttl;
  }

  /**
   * Whether the conversation context is left out of the key.
   *
   * @return true when a question gets the same answer in every conversation
   */
  public boolean statelessFaq() {
    return statelessFaq;
  }

  Executor executor() {
    return executor;
  }

  /** The stored form: a version byte, the model, the answer text (UTF-8, length-prefixed). */
  static byte[] encode(String model, String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length() + 64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      byte[] m = model.getBytes(StandardCharsets.UTF_8);
      out.writeInt(m.length);
      out.write(m);
      byte[] t = text.getBytes(StandardCharsets.UTF_8);
      out.writeInt(t.length);
      out.write(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The stored answer as {model, text}; empty when the bytes are of another format or corrupt. */
  static Optional<String[]> decode(byte[] stored) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
      if (in.readByte() != FORMAT_VERSION) {
        return Optional.empty();
      }
      String model = readString(in, stored.length);
      String text = readString(in, stored.length);
      return in.available() == 0 ? Optional.of(new String[] {model, text}) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String readString(DataInputStream in, int limit) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > limit) {
      throw new IOException("bad length " + n);
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "AnswerCache[ttl=" + ttl + ", statelessFaq=" + statelessFaq + ", store=" + store + "]";
  }

  /** Builds an {@link AnswerCache}; every argument is validated at once. */
  public static final class Builder {
    private final CacheStore store;
    private Duration ttl = Duration.ofMinutes(30);
    private boolean statelessFaq;
    private Executor executor = CacheExecutor.shared();

    private Builder(CacheStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Sets how long answers are kept.
     *
     * @param ttl the time to live of a stored answer (default 30 min); positive
     * @return this builder
     * @throws IllegalArgumentException when {@code ttl} is zero or negative
     */
    public Builder ttl(Duration ttl) {
      CaffeineCacheStore.requirePositive("ttl", ttl);
      this.ttl = ttl;
      return this;
    }

    /**
     * Sets whether the conversation context is part of the key.
     *
     * @param statelessFaq leave the conversation context out of the key, so a question gets the
     *     same answer in every conversation (default false: only in the same context)
     * @return this builder
     */
    public Builder statelessFaq(boolean statelessFaq) {
      this.statelessFaq = statelessFaq;
      return this;
    }

    /**
     * Sets where replayed answers are streamed from.
     *
     * @param executor runs replayed answers' callbacks (default: a shared pool of daemon threads
     *     that grows with the listeners busy at once)
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Builds the cache.
     *
     * @return a cache over the builder's store with these settings
     */
    public AnswerCache build() {
      return new AnswerCache(this);
    }
  }
}
