package dev.officehours.elevenlabs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.Http;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import dev.officehours.tts.WordTiming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Speech synthesis with ElevenLabs, streamed with word timings: {@code POST
 * {base}/v1/text-to-speech/{voice_id}/stream/with-timestamps?output_format=pcm_24000}. Each
 * message of the response carries a piece of audio ({@code audio_base64}) and the start and end
 * of every character it speaks ({@code alignment}); this provider hands the audio to the {@link
 * AudioSink} as it arrives, with the timings of the words that start in it ({@link
 * AudioSink#onAudio(byte[], List)}, {@link WordTiming#estimated()} false), relative to the start
 * of the synthesis's audio.
 *
 * <pre>{@code
 * TtsProvider tts = ElevenLabsSpeech.fromEnvironment();  // ELEVENLABS_API_KEY, ELEVENLABS_VOICE_ID, ...
 * TtsProvider calm = ElevenLabsSpeech.builder().apiKey(key).voice(voiceId).stability(0.7).build();
 * }</pre>
 *
 * <p>The default format is {@link AudioFormat#PCM_24K} ({@code pcm_24000}); PCM at 8, 16, 22.05,
 * 24, 44.1 and 48 kHz and MP3 at 22.05 and 44.1 kHz are supported. Audio from the start of a word
 * whose characters are still arriving is held back until the word is complete, at most 2 s of it,
 * so a word never comes after the audio it starts in. Failures are {@link
 * dev.officehours.errors.ProviderException}s of stage {@code TTS} carrying ElevenLabs' {@code
 * status} (e.g. {@code invalid_api_key}, {@code quota_exceeded}) as their error code; 401 is not
 * retried, 429 and 5xx are, after {@code Retry-After} when given, per the {@link RetryPolicy} and
 * only before the first audio byte went on. A message of the stream longer than {@link
 * Builder#maxMessageBytes} (1 MiB by default) fails the call. A call ends after {@link
 * Builder#timeout} (30 s by default).
 *
 * <p>Immutable and thread-safe; the API key (sent as {@code xi-api-key}) never appears in {@link
 * #toString()}, logs or exception messages.
 */
public final class ElevenLabsSpeech implements TtsProvider {
  /** Body fields this provider writes itself, which a request's extra fields may not replace. */
  private static final java.util.Set<String> OWN_FIELDS = java.util.Set.of("text", "model_id",
      "voice_settings", "output_format");

  /** The API root used when neither the builder nor {@code ELEVENLABS_BASE_URL} names one. */
  public static final String DEFAULT_BASE_URL = "https://api.elevenlabs.io";
  /** The model used by default: ElevenLabs' low-latency model. */
  public static final String DEFAULT_MODEL = "eleven_flash_v2_5";
  /** The voice used by default: "Rachel", one of ElevenLabs' premade voices. */
  public static final String DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM";
  /** How long one synthesis may take, retries included. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** The longest text one request takes by default (the smallest of ElevenLabs' model limits). */
  public static final int DEFAULT_MAX_INPUT_CHARS = 5_000;
  /** The longest message of the stream read by default. */
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
  /** The slowest and fastest {@code speed} ElevenLabs accepts. */
  static final double MIN_SPEED = 0.7;
  static final double MAX_SPEED = 1.2;

  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final Set<Integer> PCM_RATES = Set.of(8_000, 16_000, 22_050, 24_000, 44_100, 48_000);

  private final HttpUrl baseUrl;
  private final String apiKey;
  private final String model;
  private final String voice;
  private final double speed;
  private final Map<String, Object> voiceSettings;
  private final AudioFormat format;
  private final Map<String, String> queryParameters;
  private final RetryPolicy retryPolicy;
  private final OkHttpClient client;
  private final Duration timeout;
  private final int maxInputChars;
  private final long maxMessageBytes;

  private ElevenLabsSpeech(Builder b) {
    this.baseUrl = b.baseUrl;
    this.apiKey = b.apiKey;
    this.model = b.model;
    this.voice = b.voice;
    this.speed = b.speed;
    this.voiceSettings = Map.copyOf(b.voiceSettings);
    this.format = b.format;
    this.queryParameters = Map.copyOf(b.queryParameters);
    this.retryPolicy = b.retryPolicy;
    this.client = b.client;
    this.timeout = b.timeout;
    this.maxInputChars = b.maxInputChars;
    this.maxMessageBytes = b.maxMessageBytes;
  }

  /**
   * A provider configured from the environment: {@code ELEVENLABS_API_KEY}, {@code
   * ELEVENLABS_BASE_URL} (default {@code https://api.elevenlabs.io}), {@code ELEVENLABS_VOICE_ID}
   * (default {@value #DEFAULT_VOICE}) and {@code ELEVENLABS_MODEL_ID} (default {@value
   * #DEFAULT_MODEL}).
   *
   * @return the provider
   * @throws IllegalArgumentException when {@code ELEVENLABS_BASE_URL} is not a URL or the key is
   *     not printable ASCII
   */
  public static ElevenLabsSpeech fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static ElevenLabsSpeech fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    String url = env.get("ELEVENLABS_BASE_URL");
    if (url != null && !url.isBlank()) {
      b.baseUrl(url.trim());
    }
    String key = env.get("ELEVENLABS_API_KEY");
    if (key != null && !key.isBlank()) {
      b.apiKey(key.trim());
    }
    String voice = env.get("ELEVENLABS_VOICE_ID");
    if (voice != null && !voice.isBlank()) {
      b.voice(voice.trim());
    }
    String model = env.get("ELEVENLABS_MODEL_ID");
    if (model != null && !model.isBlank()) {
      b.model(model.trim());
    }
    return b.build();
  }

  /**
   * A builder with the defaults: ElevenLabs' URL, no key, {@value #DEFAULT_MODEL}, the voice
   * {@value #DEFAULT_VOICE}, PCM at 24 kHz.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@code elevenlabs-speech@host} (with {@code :port} when not the default), and the voice
   * settings when any is set: they shape the audio, so they are part of every TTS cache key.
   */
  @Override
  public String id() {
    String host = baseUrl.port() == HttpUrl.defaultPort(baseUrl.scheme())
        ? baseUrl.host() : baseUrl.host() + ":" + baseUrl.port();
    if (voiceSettings.isEmpty()) {
      return "elevenlabs-speech@" + host;
    }
    StringBuilder id = new StringBuilder("elevenlabs-speech@").append(host).append('?');
    new java.util.TreeMap<>(voiceSettings).forEach((k, v) -> id.append(k).append('=').append(v).append(','));
    id.setLength(id.length() - 1);
    return id.toString();
  }

  /** A request for {@code text} with the configured model, voice, speed and format. */
  @Override
  public SpeechRequest request(String text) {
    return new SpeechRequest(text, model, voice, speed, "", format);
  }

  /** The configured limit, {@value #DEFAULT_MAX_INPUT_CHARS} characters by default. */
  @Override
  public int maxInputChars() {
    return maxInputChars;
  }

  /**
   * Starts a synthesis; returns at once. The request's {@code instructions} are not sent:
   * ElevenLabs has no such field.
   *
   * @throws InvalidRequestException at once, before any network call, naming the field: {@code
   *     text} when blank or longer than {@link #maxInputChars()}; {@code speed} outside 0.7..1.2;
   *     {@code format} when ElevenLabs cannot produce it
   */
  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sink, "sink");
    String text = request.text();
    if (text.isBlank()) {
      throw new InvalidRequestException("text", "text to synthesise must not be blank");
    }
    if (text.length() > maxInputChars) {
      throw new InvalidRequestException("text", "text to synthesise has " + text.length()
          + " characters, more than the " + maxInputChars + " allowed (setting: maxInputChars)");
    }
    if (!(request.speed() >= MIN_SPEED && request.speed() <= MAX_SPEED)) {
      throw new InvalidRequestException("speed", "ElevenLabs speaks at speed " + MIN_SPEED + ".."
          + MAX_SPEED + " but " + request.speed() + " was asked for");
    }
    String outputFormat = outputFormat(request.format());
    if (outputFormat == null) {
      throw new InvalidRequestException("format", "ElevenLabs cannot produce "
          + describe(request.format()) + " (PCM at 8000, 16000, 22050, 24000, 44100 or 48000 Hz,"
          + " or MP3 at 22050 or 44100 Hz, mono)");
    }
    ObjectNode root = ElevenLabsErrors.JSON.createObjectNode();
    root.put("text", text);
    root.put("model_id", request.model());
    ObjectNode settings = root.putObject("voice_settings");
    voiceSettings.forEach((k, v) -> {
      if (v instanceof Boolean) {
        settings.put(k, (Boolean) v);
      } else {
        settings.put(k, ((Number) v).doubleValue());
      }
    });
    if (request.speed() != 1.0) {
      settings.put("speed", request.speed());
    }
    if (settings.isEmpty()) {
      root.remove("voice_settings");
    }
    for (Map.Entry<String, Object> e : request.extraBody().entrySet()) {
      if (OWN_FIELDS.contains(e.getKey())) {
        throw new InvalidRequestException("extraBody", "'" + e.getKey()
            + "' is written by ElevenLabsSpeech itself; use its own setting instead");
      }
      root.set(e.getKey(), ElevenLabsErrors.JSON.valueToTree(e.getValue()));
    }
    byte[] body;
    try {
      body = ElevenLabsErrors.JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a speech request", e);
    }
    HttpUrl.Builder url = baseUrl.newBuilder()
        .addPathSegment("v1").addPathSegment("text-to-speech").addPathSegment(request.voice())
        .addPathSegment("stream").addPathSegment("with-timestamps")
        .addQueryParameter("output_format", outputFormat);
    queryParameters.forEach(url::addQueryParameter);
    Request.Builder http = new Request.Builder().url(url.build())
        .post(RequestBody.create(body, JSON));
    request.extraHeaders().forEach(http::header);
    List<String> secrets = new java.util.ArrayList<>(request.extraHeaders().values());
    secrets.removeIf(v -> v.length() < 8); // a short value is no secret, and masking it would garble
    if (apiKey != null) {
      http.header("xi-api-key", apiKey);
      secrets.add(apiKey);
    }
    SpeechStream stream = new SpeechStream(client, http.build(), retryPolicy,
        System.nanoTime() + timeout.toNanos(), sink, request.format(), maxMessageBytes, secrets);
    stream.start();
    return stream;
  }

  /** ElevenLabs' {@code output_format} for {@code format}, or null when it has none. */
  static String outputFormat(AudioFormat format) {
    if (format.channels() != 1) {
      return null;
    }
    if (format.isRawPcm() && PCM_RATES.contains(format.sampleRate())) {
      return "pcm_" + format.sampleRate();
    }
    if (format.encoding() == AudioFormat.Encoding.MP3) {
      if (format.sampleRate() == 22_050) {
        return "mp3_22050_32";
      }
      if (format.sampleRate() == 44_100) {
        return "mp3_44100_128";
      }
    }
    return null;
  }

  private static String describe(AudioFormat format) {
    return format.encoding().wireName() + " at " + format.sampleRate() + " Hz with "
        + format.channels() + " channel(s)";
  }

  /** Shows the base URL, model, voice and format, never the key. */
  @Override
  public String toString() {
    return "ElevenLabsSpeech[baseUrl=" + baseUrl + ", model=" + model + ", voice=" + voice
        + ", format=" + outputFormat(format) + (apiKey != null ? ", apiKey=***" : "") + "]";
  }

  /** Configures an {@link ElevenLabsSpeech}; every setter validates its argument at once. */
  public static final class Builder {
    private HttpUrl baseUrl = HttpUrl.get(DEFAULT_BASE_URL);
    private String apiKey;
    private String model = DEFAULT_MODEL;
    private String voice = DEFAULT_VOICE;
    private double speed = 1.0;
    private final Map<String, Object> voiceSettings = new LinkedHashMap<>();
    private AudioFormat format = AudioFormat.PCM_24K;
    private final Map<String, String> queryParameters = new LinkedHashMap<>();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private OkHttpClient client = Http.sharedClient();
    private Duration timeout = DEFAULT_TIMEOUT;
    private int maxInputChars = DEFAULT_MAX_INPUT_CHARS;
    private long maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;

    private Builder() {}

    /**
     * Sets the server to call.
     *
     * @param baseUrl the API root, e.g. {@code https://api.elevenlabs.io}; {@code
     *     /v1/text-to-speech/...} is appended
     * @return this builder
     * @throws IllegalArgumentException when it is not an http(s) URL, or has a query or fragment
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      HttpUrl parsed = HttpUrl.parse(baseUrl.trim());
      if (parsed == null || parsed.query() != null || parsed.fragment() != null
          || !parsed.username().isEmpty() || !parsed.password().isEmpty()) {
        // The text may hold a credential: show its scheme and host at most.
        throw new IllegalArgumentException("baseUrl must be an http or https URL without"
            + " credentials, query or fragment but was '"
            + (parsed == null ? "(not a URL)" : parsed.scheme() + "://" + parsed.host() + "/...")
            + "'");
      }
      List<String> segments = new ArrayList<>(parsed.pathSegments());
      segments.removeIf(String::isEmpty);
      HttpUrl.Builder b = parsed.newBuilder().encodedPath("/");
      segments.forEach(b::addPathSegment);
      this.baseUrl = b.build();
      return this;
    }

    /**
     * Sets the API key.
     *
     * @param apiKey sent as {@code xi-api-key}; leave unset for a proxy that adds it
     * @return this builder
     * @throws IllegalArgumentException when blank or not printable ASCII (the key is not echoed)
     */
    public Builder apiKey(String apiKey) {
      Objects.requireNonNull(apiKey, "apiKey is null: is ELEVENLABS_API_KEY set?");
      if (apiKey.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank");
      }
      for (int i = 0; i < apiKey.length(); i++) {
        char c = apiKey.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          throw new IllegalArgumentException("apiKey contains an invalid character at index " + i);
        }
      }
      this.apiKey = apiKey;
      return this;
    }

    /**
     * Sets the model.
     *
     * @param model e.g. {@code eleven_flash_v2_5}, {@code eleven_multilingual_v2}
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
     * @param voiceId an ElevenLabs voice id (from {@code GET /v1/voices})
     * @return this builder
     * @throws IllegalArgumentException when blank
     */
    public Builder voice(String voiceId) {
      this.voice = nonBlank(voiceId, "voice");
      return this;
    }

    /**
     * Sets the speaking speed ({@code voice_settings.speed}; sent only when not 1.0).
     *
     * @param speed 0.7..1.2, 1.0 normal
     * @return this builder
     * @throws IllegalArgumentException when outside 0.7..1.2 or NaN
     */
    public Builder speed(double speed) {
      if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) {
        throw new IllegalArgumentException("speed must be in 0.7..1.2 but was " + speed);
      }
      this.speed = speed;
      return this;
    }

    /**
     * Sets {@code voice_settings.stability}: lower is more expressive, higher more even.
     *
     * @param stability 0..1; unset by default (the voice's own setting)
     * @return this builder
     * @throws IllegalArgumentException when outside 0..1
     */
    public Builder stability(double stability) {
      voiceSettings.put("stability", unit(stability, "stability"));
      return this;
    }

    /**
     * Sets {@code voice_settings.similarity_boost}: how closely to keep to the original voice.
     *
     * @param similarityBoost 0..1; unset by default
     * @return this builder
     * @throws IllegalArgumentException when outside 0..1
     */
    public Builder similarityBoost(double similarityBoost) {
      voiceSettings.put("similarity_boost", unit(similarityBoost, "similarityBoost"));
      return this;
    }

    /**
     * Sets {@code voice_settings.style}: style exaggeration (adds latency when above 0).
     *
     * @param style 0..1; unset by default
     * @return this builder
     * @throws IllegalArgumentException when outside 0..1
     */
    public Builder style(double style) {
      voiceSettings.put("style", unit(style, "style"));
      return this;
    }

    /**
     * Sets {@code voice_settings.use_speaker_boost}.
     *
     * @param useSpeakerBoost whether to boost similarity to the speaker; unset by default
     * @return this builder
     */
    public Builder useSpeakerBoost(boolean useSpeakerBoost) {
      voiceSettings.put("use_speaker_boost", useSpeakerBoost);
      return this;
    }

    /**
     * Sets the audio format to produce.
     *
     * @param format {@link AudioFormat#PCM_24K} (default), PCM at 8000, 16000, 22050, 44100 or
     *     48000 Hz, or MP3 at 22050 or 44100 Hz; mono
     * @return this builder
     * @throws IllegalArgumentException when ElevenLabs cannot produce it
     */
    public Builder format(AudioFormat format) {
      Objects.requireNonNull(format, "format");
      if (outputFormat(format) == null) {
        throw new IllegalArgumentException("ElevenLabs cannot produce " + describe(format)
            + " (PCM at 8000, 16000, 22050, 24000, 44100 or 48000 Hz, or MP3 at 22050 or 44100"
            + " Hz, mono)");
      }
      this.format = format;
      return this;
    }

    /**
     * Adds a query parameter to every request, e.g. {@code enable_logging=false}.
     *
     * @param name the parameter name; not blank, not {@code output_format} (set by {@link
     *     #format})
     * @param value its value
     * @return this builder
     * @throws IllegalArgumentException when the name is blank or {@code output_format}
     */
    public Builder queryParameter(String name, String value) {
      Objects.requireNonNull(name, "query parameter name");
      Objects.requireNonNull(value, "query parameter value");
      if (name.isBlank() || name.equals("output_format")) {
        throw new IllegalArgumentException("query parameter name must not be blank or"
            + " output_format (use format) but was '" + name + "'");
      }
      queryParameters.put(name, value);
      return this;
    }

    /**
     * Sets when a failed call is retried.
     *
     * @param retryPolicy when to retry; default {@link RetryPolicy#DEFAULT}
     * @return this builder
     */
    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
      return this;
    }

    /**
     * Sets the HTTP client that carries the calls.
     *
     * @param client the OkHttp client; by default the one every provider of the SDK shares
     * @return this builder
     */
    public Builder httpClient(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "httpClient");
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
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("timeout must be in (0, 1 day] but was " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets the longest text one request takes; the pipeline cuts longer chunks to it.
     *
     * @param maxInputChars 1..40,000 (the model's limit: 40,000 for Flash and Turbo v2.5, 10,000
     *     for Multilingual v2); default {@value ElevenLabsSpeech#DEFAULT_MAX_INPUT_CHARS}
     * @return this builder
     * @throws IllegalArgumentException when outside 1..40,000
     */
    public Builder maxInputChars(int maxInputChars) {
      if (maxInputChars < 1 || maxInputChars > 40_000) {
        throw new IllegalArgumentException("maxInputChars must be in 1..40000 but was "
            + maxInputChars);
      }
      this.maxInputChars = maxInputChars;
      return this;
    }

    /**
     * Sets the longest message of the response stream that is read: a bound on what a broken or
     * hostile server can make a call hold.
     *
     * @param maxMessageBytes 1 KiB..64 MiB; default 1 MiB (a message holds well under a second
     *     of audio, base64-encoded, and its character timings)
     * @return this builder
     * @throws IllegalArgumentException when outside 1 KiB..64 MiB
     */
    public Builder maxMessageBytes(long maxMessageBytes) {
      if (maxMessageBytes < 1024 || maxMessageBytes > 64L * 1024 * 1024) {
        throw new IllegalArgumentException("maxMessageBytes must be in 1024..67108864 but was "
            + maxMessageBytes);
      }
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    /**
     * Builds the provider.
     *
     * @return a provider with these settings; it holds no resources of its own to close
     */
    public ElevenLabsSpeech build() {
      return new ElevenLabsSpeech(this);
    }

    private static double unit(double value, String name) {
      if (!(value >= 0 && value <= 1)) {
        throw new IllegalArgumentException(name + " must be in 0..1 but was " + value);
      }
      return value;
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
