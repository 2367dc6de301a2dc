package dev.officehours.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.Images;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.llm.LlmCall;
import dev.officehours.llm.LlmListener;
import dev.officehours.llm.LlmProvider;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.llm.ToolDefinition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Streams chat completions from any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama
 * ({@code http://localhost:11434/v1}), vLLM, llama.cpp's server, Groq and others.
 *
 * <pre>{@code
 * LlmProvider llm = OpenAiChat.fromEnvironment();            // OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL
 * LlmProvider local = OpenAiChat.builder()
 *     .baseUrl("http://localhost:11434/v1").model("llama3.2").build();   // no key needed
 * }</pre>
 *
 * <p>Each call POSTs {@code {base}/chat/completions} with {@code stream: true} and reads the
 * server-sent events as they arrive: every non-empty {@code delta.content} or {@code
 * delta.refusal} becomes one {@link LlmListener#onToken} call; {@code finish_reason}, {@code
 * usage}, {@code model} and the assembled {@code delta.tool_calls} end up in the {@link
 * dev.officehours.llm.LlmCompletion}. Images are scaled to at most 1024 px on the longest side and
 * sent as JPEG {@code data:} URLs.
 *
 * <p>A request's {@link ChatRequest#tools()} go out as OpenAI's {@code tools} array of {@code
 * function} entries (the parameters schema embedded as JSON) with {@code tool_choice}; neither is
 * sent when the request offers no tools. An assistant message that called tools is sent with its
 * {@code tool_calls} (content {@code null} when it said nothing), a {@link
 * ChatMessage.Role#TOOL} message with the {@code tool_call_id} it answers.
 *
 * <p>What a server can make a call hold is bounded by {@link Builder#maxEventBytes(int)} (1 MiB by
 * default): one line or event of the stream, and the tool calls of one completion. A server that
 * goes past it, e.g. with bytes that never end a line, gets its connection closed and the call
 * fails with a {@link dev.officehours.errors.ProviderException} naming the limit.
 *
 * <p>Failures are reported as {@link dev.officehours.errors.ProviderException} of stage {@code LLM}.
 * Retries follow the {@link RetryPolicy} and happen only before the first token was delivered.
 * Each call ends by the request's {@link ChatRequest#deadline()}, or after {@link
 * Builder#timeout(Duration)} (30 s by default) when it names none.
 *
 * <p>Instances are immutable and thread-safe; share one. The API key never appears in {@link
 * #toString()}, logs or exception messages.
 */
public final class OpenAiChat implements LlmProvider {
  /** The id given to the builder, or null for the default {@code openai-chat@host}. */
  private final String id;

  /** The model used when neither the builder nor {@code OPENAI_MODEL} names one. */
  public static final String DEFAULT_MODEL = "gpt-4o-mini";
  /** How long a call may take when its request carries no deadline. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** The default of {@link Builder#maxEventBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
  /** The largest value {@link Builder#maxEventBytes(int)} accepts: 256 MiB. */
  public static final int MAX_MAX_EVENT_BYTES = 256 * 1024 * 1024;
  /** The smallest value {@link Builder#maxEventBytes(int)} accepts: 1 KiB. */
  public static final int MIN_MAX_EVENT_BYTES = 1024;

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final Endpoint endpoint;
  private final String model;
  private final boolean includeUsage;
  private final String maxTokensField;
  private final RetryPolicy retryPolicy;
  private final OkHttpClient client;
  private final Duration timeout;
  private final int maxEventBytes;

  private OpenAiChat(Builder b) {
    this.id = b.id;
    this.endpoint = b.settings.build();
    this.model = b.model;
    this.includeUsage = b.includeUsage;
    this.maxTokensField = b.maxTokensField;
    this.retryPolicy = b.settings.retryPolicy;
    this.client = b.settings.client;
    this.timeout = b.settings.timeout;
    this.maxEventBytes = b.maxEventBytes;
  }

  /**
   * A provider configured from the environment: {@code OPENAI_API_KEY} (optional: Ollama, vLLM
   * and llama.cpp need none, and then no {@code Authorization} header is sent), {@code
   * OPENAI_BASE_URL} (default {@code https://api.openai.com/v1}) and {@code OPENAI_MODEL} (default
   * {@code gpt-4o-mini}).
   *
   * @return the provider
   * @throws IllegalArgumentException when {@code OPENAI_BASE_URL} is not a URL
   */
  public static OpenAiChat fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static OpenAiChat fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    b.settings.fromEnvironment(env);
    return b.model(Endpoint.env(env, "OPENAI_MODEL", DEFAULT_MODEL)).build();
  }

  /**
   * A builder with the defaults: OpenAI's URL, no key, {@code gpt-4o-mini}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code openai-chat@host} (with {@code :port} when not the default). */
  @Override
  public String id() {
    return id != null ? id : "openai-chat@" + endpoint.hostId();
  }

  @Override
  public String defaultModel() {
    return model;
  }

  /**
   * Starts streaming a completion; returns at once.
   *
   * @throws InvalidRequestException at once, before any network call: field {@code image} when
   *     an image part is not a JPEG, PNG, GIF, WebP or BMP image; field {@code tools} when a
   *     tool's parameters schema is not a JSON object
   */
  @Override
  public LlmCall stream(ChatRequest request, LlmListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(listener, "listener");
    String usedModel = request.model().orElse(model);
    if (request.extraBody().containsKey(maxTokensField)) {
      throw new InvalidRequestException("extraBody", "'" + maxTokensField
          + "' is written by the provider itself (its token budget); use maxTokens instead");
    }
    List<JsonNode> schemas = toolSchemas(request);
    RequestBody body;
    if (request.hasImage()) {
      // Decoding and scaling a photo takes 100+ ms: check the bytes are an image now, and do
      // the work on the call's own thread, once, however many attempts there are.
      validateImages(request);
      body = new DeferredBody(JSON, () -> requestBody(request, usedModel, schemas));
    } else {
      body = RequestBody.create(requestBody(request, usedModel, schemas), JSON);
    }
    Endpoint target = endpoint.withHeaders(request.extraHeaders());
    Request http = target.request("chat/completions")
        .header("Accept", "text/event-stream")
        .post(body)
        .build();
    ChatExchange exchange = new ChatExchange(target, client, http, retryPolicy,
        Exchange.deadlineNanos(request.deadline(), timeout), listener, usedModel, maxEventBytes);
    exchange.start();
    return exchange;
  }

  private static void validateImages(ChatRequest request) {
    for (ChatMessage message : request.messages()) {
      for (ContentPart part : message.content()) {
        if (part instanceof ContentPart.Image) {
          ContentPart.Image image = (ContentPart.Image) part;
          if (Images.sniffMimeType(image.data()).isEmpty()) {
            throw new InvalidRequestException("image", "image part declared as '"
                + image.mimeType() + "' is not a JPEG, PNG, GIF, WebP or BMP image ("
                + image.data().length + " bytes)");
          }
        }
      }
    }
  }

  /**
   * The tools' parameter schemas as JSON trees, to embed as objects: a server reads {@code
   * parameters} as a schema, not as a string holding one.
   */
  private static List<JsonNode> toolSchemas(ChatRequest request) {
    List<JsonNode> schemas = new ArrayList<>(request.tools().size());
    for (ToolDefinition tool : request.tools()) {
      JsonNode schema;
      try {
        schema = Errors.JSON.readTree(tool.parametersSchema());
      } catch (JsonProcessingException e) {
        schema = null;
      }
      if (schema == null || !schema.isObject()) {
        throw new InvalidRequestException("tools", "the parameters schema of tool '" + tool.name()
            + "' is not a JSON object");
      }
      schemas.add(schema);
    }
    return schemas;
  }

  /**
   * The request's JSON, written field by field: no tree is built, so the start of a turn runs
   * little code before its request goes out. Extra fields never name one written here ({@link
   * ChatRequest#RESERVED_FIELDS}, and the token field is checked in {@link #stream}), so they
   * follow the others.
   */
  private byte[] requestBody(ChatRequest request, String usedModel, List<JsonNode> schemas) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = Errors.JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model", usedModel);
      g.writeArrayFieldStart("messages");
      for (ChatMessage message : request.messages()) {
        writeMessage(g, message);
      }
      g.writeEndArray();
      if (!request.tools().isEmpty()) {
        g.writeArrayFieldStart("tools");
        for (int i = 0; i < request.tools().size(); i++) {
          ToolDefinition tool = request.tools().get(i);
          g.writeStartObject();
          g.writeStringField("type", "function");
          g.writeObjectFieldStart("function");
          g.writeStringField("name", tool.name());
          g.writeStringField("description", tool.description());
          g.writeFieldName("parameters");
          g.writeTree(schemas.get(i));
          g.writeEndObject();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("tool_choice", request.toolChoice().wireName());
      }
      g.writeBooleanField("stream", true);
      if (includeUsage) {
        g.writeObjectFieldStart("stream_options");
        g.writeBooleanField("include_usage", true);
        g.writeEndObject();
      }
      if (request.maxTokens() > 0) {
        g.writeNumberField(maxTokensField, request.maxTokens());
      }
      if (request.temperature().isPresent()) {
        g.writeNumberField("temperature", request.temperature().getAsDouble());
      }
      for (Map.Entry<String, Object> extra : request.extraBody().entrySet()) {
        g.writeFieldName(extra.getKey());
        Errors.JSON.writeValue(g, extra.getValue());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a chat request", e);
    }
    return out.toByteArray();
  }

  private static void writeMessage(JsonGenerator g, ChatMessage message) throws IOException {
    g.writeStartObject();
    g.writeStringField("role", message.role().wireName());
    if (message.role() == ChatMessage.Role.TOOL) {
      g.writeStringField("tool_call_id", message.toolCallId());
      g.writeStringField("content", message.text());
    } else if (!message.toolCalls().isEmpty()) {
      // OpenAI wants content null, not "", when the model only called
      if (message.text().isEmpty()) {
        g.writeNullField("content");
      } else {
        g.writeStringField("content", message.text());
      }
      g.writeArrayFieldStart("tool_calls");
      for (ToolCallRequest call : message.toolCalls()) {
        g.writeStartObject();
        g.writeStringField("id", call.id());
        g.writeStringField("type", "function");
        g.writeObjectFieldStart("function");
        g.writeStringField("name", call.name());
        // a call without arguments is sent back as the empty object servers expect
        g.writeStringField("arguments", call.arguments().isEmpty() ? "{}" : call.arguments());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
    } else if (!message.hasImage()) {
      g.writeStringField("content", message.text());
    } else {
      g.writeArrayFieldStart("content");
      for (ContentPart part : message.content()) {
        if (part instanceof ContentPart.Text) {
          g.writeStartObject();
          g.writeStringField("type", "text");
          g.writeStringField("text", ((ContentPart.Text) part).text());
          g.writeEndObject();
        } else if (part instanceof ContentPart.Image) {
          ContentPart.Image image = (ContentPart.Image) part;
          Images.Prepared prepared = Images.prepareForUpload(image.data(), Images.MAX_SIDE);
          g.writeStartObject();
          g.writeStringField("type", "image_url");
          g.writeObjectFieldStart("image_url");
          g.writeStringField("url", "data:" + prepared.mimeType() + ";base64,"
              + Base64.getEncoder().encodeToString(prepared.data()));
          g.writeStringField("detail", image.detail().wireName());
          g.writeEndObject();
          g.writeEndObject();
        }
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** Shows the base URL and the model, never the key. */
  @Override
  public String toString() {
    return "OpenAiChat[baseUrl=" + endpoint + ", model=" + model
        + (endpoint.hasApiKey() ? ", apiKey=***" : "") + "]";
  }

  /** Configures an {@link OpenAiChat}; every setter validates its argument at once. */
  public static final class Builder {
    private final Endpoint.Settings settings = new Endpoint.Settings(DEFAULT_TIMEOUT);
    private String model = DEFAULT_MODEL;
    private boolean includeUsage = true;
    private String maxTokensField = "max_tokens";
    private int maxEventBytes = DEFAULT_MAX_EVENT_BYTES;

    private String id;

    private Builder() {}

    /**
     * Names this provider in cache keys, metrics tags and fallback chains, instead of the default
     * {@code openai-chat@host}: two providers on one host (two models of one service in a fallback chain)
     * need ids of their own.
     *
     * @param id 1 to 64 letters, digits, {@code . _ - : @}; must not hold a secret
     * @return this builder
     * @throws IllegalArgumentException when {@code id} is not such a name
     */
    public Builder id(String id) {
      if (id == null || !id.matches("[A-Za-z0-9._:@-]{1,64}")) {
        throw new IllegalArgumentException("id must be 1 to 64 letters, digits, '.', '_', '-', ':' "
            + "or '@' but was " + (id == null ? "null" : "'" + id.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
      }
      this.id = id;
      return this;
    }

    /**
     * Sets the server to call.
     *
     * @param baseUrl the API root, e.g. {@code https://api.openai.com/v1} or {@code
     *     http://localhost:11434/v1}; {@code /chat/completions} is appended
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is not an http(s) URL
     */
    public Builder baseUrl(String baseUrl) {
      settings.baseUrl(baseUrl);
      return this;
    }

    /**
     * Sets the API key.
     *
     * @param apiKey sent as {@code Authorization: Bearer}; leave unset for servers that need none
     * @return this builder
     * @throws IllegalArgumentException when blank or not printable ASCII (the key is not echoed)
     */
    public Builder apiKey(String apiKey) {
      settings.apiKey(apiKey);
      return this;
    }

    /**
     * Sets the model.
     *
     * @param model the default model, e.g. {@code gpt-4o-mini}; a request may name another
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder model(String model) {
      Objects.requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("model must not be blank");
      }
      this.model = model;
      return this;
    }

    /**
     * Adds a header to every request, e.g. Azure's {@code api-key}.
     *
     * @param name the header name
     * @param value its value (never printed)
     * @return this builder
     * @throws IllegalArgumentException when the name or value is not a valid HTTP header (the
     *     value is not echoed)
     */
    public Builder header(String name, String value) {
      settings.header(name, value);
      return this;
    }

    /**
     * Adds a query parameter to every request, e.g. Azure's {@code api-version}.
     *
     * @param name the parameter name
     * @param value its value
     * @return this builder
     * @throws IllegalArgumentException when the name is blank
     */
    public Builder queryParameter(String name, String value) {
      settings.queryParameter(name, value);
      return this;
    }

    /**
     * Sets whether the server is asked for token usage.
     *
     * @param includeUsage whether to ask for token usage ({@code stream_options.include_usage});
     *     default true; turn off for servers that reject the option
     * @return this builder
     */
    public Builder includeUsage(boolean includeUsage) {
      this.includeUsage = includeUsage;
      return this;
    }

    /**
     * Sets the request field that carries the completion budget.
     *
     * @param field {@code max_tokens} (default, understood by most servers) or {@code
     *     max_completion_tokens} (required by OpenAI's reasoning models)
     * @return this builder
     * @throws IllegalArgumentException for any other name
     */
    public Builder maxTokensField(String field) {
      Objects.requireNonNull(field, "maxTokensField");
      if (!field.equals("max_tokens") && !field.equals("max_completion_tokens")) {
        throw new IllegalArgumentException(
            "maxTokensField must be max_tokens or max_completion_tokens but was '" + field + "'");
      }
      this.maxTokensField = field;
      return this;
    }

    /**
     * Bounds what a server can make one call hold: the longest line of the event stream, the
     * most data one event may carry, and the most characters the tool calls of one completion
     * may add up to. Past it the connection is closed and the call fails, not retried.
     *
     * @param maxEventBytes the limit in bytes, 1 KiB to 256 MiB; default 1 MiB
     *     ({@link OpenAiChat#DEFAULT_MAX_EVENT_BYTES})
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Builder maxEventBytes(int maxEventBytes) {
      if (maxEventBytes < MIN_MAX_EVENT_BYTES || maxEventBytes > MAX_MAX_EVENT_BYTES) {
        throw new IllegalArgumentException("maxEventBytes must be in " + MIN_MAX_EVENT_BYTES
            + ".." + MAX_MAX_EVENT_BYTES + " but was " + maxEventBytes);
      }
      this.maxEventBytes = maxEventBytes;
      return this;
    }

    /**
     * Sets when a failed call is retried.
     *
     * @param retryPolicy when to retry; default {@link RetryPolicy#DEFAULT} (one retry)
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      settings.retryPolicy(retryPolicy);
      return this;
    }

    /**
     * Sets the HTTP client that carries the calls.
     *
     * @param client the OkHttp client to use; by default one client shared by every provider
     *     the SDK builds (16,384 concurrent calls, 1,024 idle connections kept for 60 s). To size
     *     it for your load, build one with {@link ProviderHttpClient}. When you pass your own,
     *     give every provider the same one, or variants made with its {@code newBuilder()}, so
     *     that they share its connection pool and dispatcher.
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      settings.httpClient(client);
      return this;
    }

    /**
     * Sets the time budget of one call.
     *
     * @param timeout how long a call may take, retries included, when its request carries no
     *     deadline; default 30 s
     * @return this builder
     * @throws IllegalArgumentException when not in (0, 1 day]
     */
    public Builder timeout(Duration timeout) {
      settings.timeout(timeout);
      return this;
    }

    /**
     * Builds the provider.
     *
     * @return a provider with these settings; it holds no resources of its own to close
     */
    public OpenAiChat build() {
      return new OpenAiChat(this);
    }
  }
}
