package dev.officehours.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.stt.SttProvider;
import dev.officehours.stt.Transcript;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Transcribes recorded utterances over OpenAI's {@code POST {base}/audio/transcriptions}
 * (multipart: {@code file}, {@code model}, {@code response_format=json}, and {@code language}
 * when set). Works with OpenAI, Azure OpenAI, Groq, and local servers such as
 * faster-whisper-server or LocalAI.
 *
 * <pre>{@code
 * SttProvider stt = OpenAiTranscription.fromEnvironment();   // OPENAI_STT_MODEL, ...
 * Transcript t = stt.transcribe(wavBytes, "audio/wav").join();
 * }</pre>
 *
 * <p>Failures complete the future exceptionally with a {@link ProviderException} of stage {@code
 * STT}; retryable ones are retried per the {@link RetryPolicy}. Cancelling the future cancels the
 * HTTP call. Immutable and thread-safe; the API key never appears in {@link #toString()}.
 */
public final class OpenAiTranscription implements SttProvider {
  /** The id given to the builder, or null for the default {@code openai-transcription@host}. */
  private final String id;

  /** The model used when neither the builder nor {@code OPENAI_STT_MODEL} names one. */
  public static final String DEFAULT_MODEL = "gpt-4o-mini-transcribe";
  /** How long one transcription may take, retries included. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** OpenAI's upload limit: 25 MB. */
  public static final int MAX_AUDIO_BYTES = 25 * 1024 * 1024;
  /** The largest transcription response read by default: far beyond any transcript of 25 MB. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  private final Endpoint endpoint;
  private final String model;
  private final String language;
  private final RetryPolicy retryPolicy;
  private final OkHttpClient client;
  private final Duration timeout;
  private final int maxResponseBytes;

  private OpenAiTranscription(Builder b) {
    this.id = b.id;
    this.endpoint = b.settings.build();
    this.model = b.model;
    this.language = b.language;
    this.retryPolicy = b.settings.retryPolicy;
    this.client = b.settings.client;
    this.timeout = b.settings.timeout;
    this.maxResponseBytes = b.maxResponseBytes;
  }

  /**
   * A provider configured from the environment: {@code OPENAI_API_KEY} (optional), {@code
   * OPENAI_BASE_URL} (default {@code https://api.openai.com/v1}) and {@code OPENAI_STT_MODEL}
   * (default {@code gpt-4o-mini-transcribe}).
   *
   * @return the provider
   */
  public static OpenAiTranscription fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static OpenAiTranscription fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    b.settings.fromEnvironment(env);
    return b.model(Endpoint.env(env, "OPENAI_STT_MODEL", DEFAULT_MODEL)).build();
  }

  /**
   * A builder with the defaults: OpenAI's URL, no key, {@code gpt-4o-mini-transcribe}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code openai-transcription@host} (with {@code :port} when not the default). */
  @Override
  public String id() {
    return id != null ? id : "openai-transcription@" + endpoint.hostId();
  }

  /**
   * Uploads {@code audio} and returns the transcript; returns at once.
   *
   * @throws InvalidRequestException (field {@code audio}) at once when the audio is empty or over
   *     25 MB, or (field {@code mimeType}) when the MIME type is malformed
   */
  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType) {
    return transcribe(audio, mimeType, language);
  }

  /**
   * Uploads {@code audio} spoken in {@code language} and returns the transcript; returns at once.
   *
   * @param audio the encoded audio (WAV, MP3, WebM/Opus, ...)
   * @param mimeType its MIME type, e.g. {@code audio/wav}
   * @param language the spoken language as ISO-639-1 ({@code en}), sent as {@code language};
   *     empty uses the builder's {@link Builder#language}
   * @return the transcript, or a future failed with a {@link ProviderException} of stage {@code
   *     STT}
   * @throws InvalidRequestException (field {@code audio}) at once when the audio is empty or over
   *     25 MB, (field {@code mimeType}) when the MIME type is malformed, or (field {@code
   *     language}) when the language is not a two- or three-letter code
   */
  @Override
  public CompletableFuture<Transcript> transcribe(byte[] audio, String mimeType, String language) {
    Objects.requireNonNull(audio, "audio");
    Objects.requireNonNull(mimeType, "mimeType");
    Objects.requireNonNull(language, "language");
    if (!language.isEmpty() && !language.matches("[a-zA-Z]{2,3}")) {
      throw new InvalidRequestException("language",
          "language must be an ISO-639-1 code such as 'en' but was '" + language.replaceAll("\\p{Cntrl}", "?") + "'");
    }
    String lang = language.isEmpty() ? this.language : language.toLowerCase(Locale.ROOT);
    if (audio.length == 0) {
      throw new InvalidRequestException("audio", "audio to transcribe is empty");
    }
    if (audio.length > MAX_AUDIO_BYTES) {
      throw new InvalidRequestException("audio", "audio to transcribe has " + audio.length
          + " bytes, more than the " + MAX_AUDIO_BYTES + " allowed");
    }
    MediaType type = MediaType.parse(mimeType);
    if (type == null) {
      throw new InvalidRequestException("mimeType", "not a MIME type: '" + mimeType + "'");
    }
    MultipartBody.Builder form = new MultipartBody.Builder()
        .setType(MultipartBody.FORM)
        .addFormDataPart("file", "audio." + extension(type), RequestBody.create(audio, type))
        .addFormDataPart("model", model)
        .addFormDataPart("response_format", "json");
    if (!lang.isEmpty()) {
      form.addFormDataPart("language", lang);
    }
    Request http = endpoint.request("audio/transcriptions").post(form.build()).build();
    TranscriptFuture future = new TranscriptFuture();
    TranscriptionExchange exchange = new TranscriptionExchange(endpoint, client, http,
        retryPolicy, Exchange.deadlineNanos(Optional.empty(), timeout), future, lang,
        maxResponseBytes);
    future.exchange = exchange;
    exchange.start();
    return future;
  }

  private static String extension(MediaType type) {
    String sub = type.subtype().toLowerCase(Locale.ROOT);
    switch (sub) {
      case "mpeg":
      case "mp3":
        return "mp3";
      case "wav":
      case "x-wav":
      case "wave":
        return "wav";
      case "ogg":
        return "ogg";
      case "webm":
        return "webm";
      case "mp4":
      case "m4a":
      case "x-m4a":
        return "m4a";
      case "flac":
        return "flac";
      default:
        return sub.replaceAll("[^a-z0-9]", "");
    }
  }

  /** Shows the base URL and model, never the key. */
  @Override
  public String toString() {
    return "OpenAiTranscription[baseUrl=" + endpoint + ", model=" + model
        + (endpoint.hasApiKey() ? ", apiKey=***" : "") + "]";
  }

  /** Cancelling it cancels the HTTP call. */
  private static final class TranscriptFuture extends CompletableFuture<Transcript> {
    volatile TranscriptionExchange exchange;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      TranscriptionExchange e = exchange;
      if (cancelled && e != null) {
        e.cancel();
      }
      return cancelled;
    }
  }

  private static final class TranscriptionExchange extends Exchange {
    private final CompletableFuture<Transcript> future;
    private final String language;
    private final int maxResponseBytes;

    TranscriptionExchange(Endpoint endpoint, OkHttpClient client, Request request,
        RetryPolicy retryPolicy, long deadlineNanos, CompletableFuture<Transcript> future,
        String language, int maxResponseBytes) {
      super(Stage.STT, "transcription failed", endpoint, client, request, retryPolicy,
          deadlineNanos);
      this.future = future;
      this.language = language;
      this.maxResponseBytes = maxResponseBytes;
    }

    @Override
    boolean outputDelivered() {
      return false;
    }

    @Override
    void deliverError(OfficeHoursException error) {
      future.completeExceptionally(error);
    }

    @Override
    void onSuccess(Response response) throws IOException {
      okio.BufferedSource source = response.body().source();
      // Read at most the limit (plus one byte to tell): a server that never stops sending must
      // not fill the heap.
      if (source.request(maxResponseBytes + 1L)) {
        response.close();
        fail(ProviderException.builder(stage, summary + ": the response is larger than the limit of "
                + maxResponseBytes + " bytes (OpenAiTranscription.Builder.maxResponseBytes)")
            .status(response.code()).retryable(false).build());
        return;
      }
      String body = source.readUtf8();
      JsonNode root;
      try {
        root = Errors.JSON.readTree(body);
      } catch (IOException e) {
        root = null;
      }
      if (root == null || !root.path("text").isTextual()) {
        fail(ProviderException.builder(stage, summary + ": response has no \"text\"")
            .status(response.code()).retryable(false).build());
        return;
      }
      String lang = root.path("language").isTextual() ? root.path("language").asText() : language;
      if (finish()) {
        future.complete(new Transcript(root.path("text").asText().trim(), lang));
      }
    }
  }

  /** Configures an {@link OpenAiTranscription}; every setter validates its argument at once. */
  public static final class Builder {
    private final Endpoint.Settings settings = new Endpoint.Settings(DEFAULT_TIMEOUT);
    private String model = DEFAULT_MODEL;
    private String language = "";
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

    private String id;

    private Builder() {}

    /**
     * Names this provider in cache keys, metrics tags and fallback chains, instead of the default
     * {@code openai-transcription@host}: two providers on one host (two models of one service in a fallback chain)
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
     * @param baseUrl the API root; {@code /audio/transcriptions} is appended
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
     * @param model e.g. {@code gpt-4o-mini-transcribe} or {@code whisper-1}
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
     * Sets the spoken language.
     *
     * @param language the spoken language as ISO-639-1 ({@code en}), which improves accuracy and
     *     latency; empty (default) lets the model detect it
     * @return this builder
     * @throws IllegalArgumentException when neither empty nor a two- or three-letter code
     */
    public Builder language(String language) {
      Objects.requireNonNull(language, "language");
      if (!language.isEmpty() && !language.matches("[a-zA-Z]{2,3}")) {
        throw new IllegalArgumentException(
            "language must be an ISO-639-1 code such as 'en' but was '" + language + "'");
      }
      this.language = language.toLowerCase(Locale.ROOT);
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
     * Sets when a failed call is retried.
     *
     * @param retryPolicy when to retry; default {@link RetryPolicy#DEFAULT}
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      settings.retryPolicy(retryPolicy);
      return this;
    }

    /**
     * Sets the HTTP client that carries the calls.
     *
     * @param client the OkHttp client; by default the one shared by every provider the SDK
     *     builds. Give every provider the same client (or its {@code newBuilder()} variants) so
     *     they share one connection pool, as {@link OpenAiChat.Builder#httpClient} explains
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      settings.httpClient(client);
      return this;
    }

    /**
     * Sets the time budget of one call.
     *
     * @param timeout how long one transcription may take, retries included; default 60 s
     * @return this builder
     * @throws IllegalArgumentException when not in (0, 1 day]
     */
    public Builder timeout(Duration timeout) {
      settings.timeout(timeout);
      return this;
    }

    /**
     * Sets the largest response read.
     *
     * @param bytes the largest transcription response read (default 4 MiB); a larger one fails
     *     with a {@code ProviderException} naming this limit, without being read whole; at least
     *     1 KiB
     * @return this builder
     * @throws IllegalArgumentException when below 1024
     */
    public Builder maxResponseBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxResponseBytes must be at least 1024 but was " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * Builds the provider.
     *
     * @return a provider with these settings; it holds no resources of its own to close
     */
    public OpenAiTranscription build() {
      return new OpenAiTranscription(this);
    }
  }
}
