package dev.officehours.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Speech synthesis over OpenAI's {@code POST {base}/audio/speech}, streamed: audio reaches the
 * {@link AudioSink} piece by piece as the server sends it, so playback can start long before the
 * whole sentence has been synthesised.
 *
 * <pre>{@code
 * TtsProvider tts = OpenAiSpeech.fromEnvironment();   // OPENAI_TTS_MODEL, OPENAI_TTS_VOICE, ...
 * TtsProvider slow = OpenAiSpeech.builder().apiKey(key).voice("nova").speed(0.9).build();
 * }</pre>
 *
 * <p>The default format is {@link AudioFormat#PCM_24K} (raw 16-bit PCM, no header), the one that
 * can be played as it arrives; for it, every {@link AudioSink#onAudio} buffer holds whole
 * samples. A 200 whose body is not audio (an error as JSON, a proxy's HTML page: checked by its
 * Content-Type and its first bytes) fails and delivers nothing. Failures are {@link
 * dev.officehours.errors.ProviderException}s of stage {@code TTS}; retries
 * follow the {@link RetryPolicy} and happen only before the first audio byte was delivered. A
 * call ends after {@link Builder#timeout(Duration)} (30 s by default).
 *
 * <p>Immutable and thread-safe; the API key never appears in {@link #toString()}, logs or
 * exception messages.
 */
public final class OpenAiSpeech implements TtsProvider {
  /** The id given to the builder, or null for the default {@code openai-speech@host}. */
  private final String id;

  /** The model used when neither the builder nor {@code OPENAI_TTS_MODEL} names one. */
  public static final String DEFAULT_MODEL = "gpt-4o-mini-tts";
  /** The voice used when neither the builder nor {@code OPENAI_TTS_VOICE} names one. */
  public static final String DEFAULT_VOICE = "alloy";
  /** How long one synthesis may take, retries included. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** OpenAI's limit on the {@code input} text, in characters. */
  public static final int MAX_INPUT_CHARS = 4096;

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final Endpoint endpoint;
  private final String model;
  private final String voice;
  private final double speed;
  private final String instructions;
  private final AudioFormat format;
  private final RetryPolicy retryPolicy;
  private final OkHttpClient client;
  private final Duration timeout;

  private OpenAiSpeech(Builder b) {
    this.id = b.id;
    this.endpoint = b.settings.build();
    this.model = b.model;
    this.voice = b.voice;
    this.speed = b.speed;
    this.instructions = b.instructions;
    this.format = b.format;
    this.retryPolicy = b.settings.retryPolicy;
    this.client = b.settings.client;
    this.timeout = b.settings.timeout;
  }

  /**
   * A provider configured from the environment: {@code OPENAI_API_KEY} (optional), {@code
   * OPENAI_BASE_URL} (default {@code https://api.openai.com/v1}), {@code OPENAI_TTS_MODEL}
   * (default {@code gpt-4o-mini-tts}) and {@code OPENAI_TTS_VOICE} (default {@code alloy}).
   *
   * @return the provider
   * @throws IllegalArgumentException when {@code OPENAI_BASE_URL} is not a URL
   */
  public static OpenAiSpeech fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static OpenAiSpeech fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    b.settings.fromEnvironment(env);
    return b.model(Endpoint.env(env, "OPENAI_TTS_MODEL", DEFAULT_MODEL))
        .voice(Endpoint.env(env, "OPENAI_TTS_VOICE", DEFAULT_VOICE))
        .build();
  }

  /**
   * A builder with the defaults: OpenAI's URL, no key, {@code gpt-4o-mini-tts}, {@code alloy}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code openai-speech@host} (with {@code :port} when not the default); part of cache keys. */
  @Override
  public String id() {
    return id != null ? id : "openai-speech@" + endpoint.hostId();
  }

  /** A request for {@code text} with the configured model, voice, speed, instructions, format. */
  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, model, voice, speed, instructions, format);
  }

  @Override
  public int maxInputChars() {
    return MAX_INPUT_CHARS;
  }

  /**
   * Starts a synthesis; returns at once.
   *
   * @throws InvalidRequestException (field {@code text}) at once, before any network call, when
   *     the text is blank or longer than {@link #maxInputChars()}
   */
  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sink, "sink");
    String text = request.text();
    if (text.isBlank()) {
      throw new InvalidRequestException("text", "text to synthesise must not be blank");
    }
    if (text.length() > MAX_INPUT_CHARS) {
      throw new InvalidRequestException("text", "text to synthesise has " + text.length()
          + " characters, more than the " + MAX_INPUT_CHARS + " allowed");
    }
    ObjectNode root = Errors.JSON.createObjectNode();
    root.put("model", request.model());
    root.put("input", text);
    root.put("voice", request.voice());
    root.put("speed", request.speed());
    root.put("response_format", request.format().encoding().wireName());
    if (!request.instructions().isEmpty()) {
      root.put("instructions", request.instructions());
    }
    request.extraBody().forEach((name, value) -> root.set(name, Errors.JSON.valueToTree(value)));
    byte[] body;
    try {
      body = Errors.JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a speech request", e);
    }
    Endpoint target = endpoint.withHeaders(request.extraHeaders());
    Request http = target.request("audio/speech")
        .post(RequestBody.create(body, JSON))
        .build();
    SpeechExchange exchange = new SpeechExchange(target, client, http, retryPolicy,
        Exchange.deadlineNanos(Optional.empty(), timeout), sink, request.format());
    exchange.start();
    return exchange;
  }

  /** Shows the base URL, model and voice, never the key. */
  @Override
  public String toString() {
    return "OpenAiSpeech[baseUrl=" + endpoint + ", model=" + model + ", voice=" + voice
        + ", format=" + format.encoding().wireName()
        + (endpoint.hasApiKey() ? ", apiKey=***" : "") + "]";
  }

  /** Configures an {@link OpenAiSpeech}; every setter validates its argument at once. */
  public static final class Builder {
    private final Endpoint.Settings settings = new Endpoint.Settings(DEFAULT_TIMEOUT);
    private String model = DEFAULT_MODEL;
    private String voice = DEFAULT_VOICE;
    private double speed = 1.0;
    private String instructions = "";
    private AudioFormat format = AudioFormat.PCM_24K;

    private String id;

    private Builder() {}

    /**
     * Names this provider in cache keys, metrics tags and fallback chains, instead of the default
     * {@code openai-speech@host}: two providers on one host (two models of one service in a fallback chain)
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
     * @param baseUrl the API root; {@code /audio/speech} is appended
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
     * @param model the TTS model, e.g. {@code gpt-4o-mini-tts} or {@code tts-1}
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder model(String model) {
      this.model = nonBlank(model, "model");
      return this;
    }

    /**
     * Sets the voice.
     *
     * @param voice the voice, e.g. {@code alloy}, {@code nova}
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder voice(String voice) {
      this.voice = nonBlank(voice, "voice");
      return this;
    }

    /**
     * Sets the speaking speed.
     *
     * @param speed 0.25..4.0, 1.0 normal
     * @return this builder
     * @throws IllegalArgumentException when outside 0.25..4.0 or NaN
     */
    public Builder speed(double speed) {
      if (!(speed >= 0.25 && speed <= 4.0)) {
        throw new IllegalArgumentException("speed must be in 0.25..4.0 but was " + speed);
      }
      this.speed = speed;
      return this;
    }

    /**
     * Sets how the voice should speak.
     *
     * @param instructions style instructions for models that take them ({@code gpt-4o-mini-tts});
     *     empty for none, and then the field is not sent
     * @return this builder
     */
    public Builder instructions(String instructions) {
      this.instructions = Objects.requireNonNull(instructions, "instructions");
      return this;
    }

    /**
     * Sets the audio format to produce.
     *
     * @param format the audio to produce: {@link AudioFormat#PCM_24K} (default), {@link
     *     AudioFormat#MP3}, {@link AudioFormat#OPUS} or {@link AudioFormat#WAV}
     * @return this builder
     * @throws IllegalArgumentException when the format is not 24 kHz mono
     */
    public Builder format(AudioFormat format) {
      Objects.requireNonNull(format, "format");
      if (format.sampleRate() != 24_000 || format.channels() != 1) {
        throw new IllegalArgumentException("OpenAI speech is 24000 Hz mono, but format was "
            + format.sampleRate() + " Hz with " + format.channels() + " channel(s)");
      }
      this.format = format;
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
     * @param timeout how long one synthesis may take, retries included; default 30 s
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
    public OpenAiSpeech build() {
      return new OpenAiSpeech(this);
    }

    private static String nonBlank(String value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return value;
    }
  }
}
