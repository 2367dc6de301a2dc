package dev.officehours;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.internal.RequestExtras;
import dev.officehours.llm.ChatRequest;
import dev.officehours.llm.ContentPart;
import dev.officehours.tools.Tool;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.SpeechRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * What the user said in one turn: the session it belongs to, the text, and optionally an image
 * (a vision turn) and per-turn settings.
 *
 * <p>The session id and text are checked here; limits that the pipeline configures (text length,
 * image size and type) are checked by {@link ConversationPipeline#start}, also before any network
 * call.
 */
public final class TurnRequest {
  private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final String sessionId;
  private final String text;
  private final byte[] image;
  private final ContentPart.Detail imageDetail;
  private final int maxTokens;
  private final Double temperature;
  private final String voice;
  private final List<Tool> tools;
  private final String model;
  private final String systemPromptAddition;
  private final Double speechSpeed;
  private final String speechInstructions;
  private final AudioFormat audioFormat;
  private final Map<String, Object> chatExtraBody;
  private final Map<String, String> chatHeaders;
  private final Map<String, Object> speechExtraBody;
  private final Map<String, String> speechHeaders;
  private final SpeechInput speech;

  private TurnRequest(Builder b) {
    this.speech = b.speech;
    this.sessionId = b.sessionId;
    this.text = b.text;
    this.image = b.image;
    this.imageDetail = b.imageDetail;
    this.maxTokens = b.maxTokens;
    this.temperature = b.temperature;
    this.voice = b.voice;
    this.tools = List.copyOf(b.tools.values());
    this.model = b.model;
    this.systemPromptAddition = b.systemPromptAddition;
    this.speechSpeed = b.speechSpeed;
    this.speechInstructions = b.speechInstructions;
    this.audioFormat = b.audioFormat;
    this.chatExtraBody = b.chatExtraBody;
    this.chatHeaders = b.chatHeaders;
    this.speechExtraBody = b.speechExtraBody;
    this.speechHeaders = b.speechHeaders;
  }

  /**
   * A text turn.
   *
   * @param sessionId the conversation, {@code [A-Za-z0-9._:-]{1,128}}
   * @param text what the user said, not blank
   * @return the request, with the pipeline's defaults for everything else
   * @throws InvalidRequestException naming the argument when either is invalid
   */
  public static TurnRequest of(String sessionId, String text) {
    return builder(sessionId, text).build();
  }

  /**
   * Starts a turn request with more settings.
   *
   * @param sessionId the conversation, {@code [A-Za-z0-9._:-]{1,128}}
   * @param text what the user said, not blank
   * @return a builder of a request with these two values
   * @throws InvalidRequestException naming the argument when either is invalid
   */
  public static Builder builder(String sessionId, String text) {
    return new Builder(sessionId, text);
  }

  /**
   * Starts a turn request whose words are spoken: the pipeline transcribes {@code speech} with its
   * speech-to-text provider, then answers the transcript as it would a text turn ({@link
   * ConversationPipeline#startFromAudio}). Every other setting of the builder applies as usual.
   *
   * @param sessionId the conversation, {@code [A-Za-z0-9._:-]{1,128}}
   * @param speech the recorded utterance; not null
   * @return a builder of a request with these two values; its {@link #text()} is empty
   * @throws InvalidRequestException naming the argument when either is invalid
   */
  public static Builder builder(String sessionId, SpeechInput speech) {
    return new Builder(sessionId, speech);
  }

  /**
   * The recorded utterance of a turn started from audio.
   *
   * @return the speech to transcribe, or empty for a text turn
   */
  public Optional<SpeechInput> speech() {
    return Optional.ofNullable(speech);
  }

  /**
   * The conversation this turn belongs to.
   *
   * @return the session id, matching {@code [A-Za-z0-9._:-]{1,128}}
   */
  public String sessionId() {
    return sessionId;
  }

  /**
   * What the user said.
   *
   * @return the text, never blank for a text turn; empty for a turn started from audio, whose
   *     words are its transcript ({@link Transcribed})
   */
  public String text() {
    return text;
  }

  /**
   * The image of a vision turn, encoded (JPEG, PNG, ...). The array is shared: do not modify.
   *
   * @return the image bytes, or empty for a text-only turn
   */
  public Optional<byte[]> image() {
    return Optional.ofNullable(image);
  }

  /**
   * The vision detail level for the image.
   *
   * @return the detail level, {@link ContentPart.Detail#AUTO} unless set; never null
   */
  public ContentPart.Detail imageDetail() {
    return imageDetail;
  }

  /**
   * A completion budget overriding the pipeline's.
   *
   * @return the most tokens the answer may take, or empty to use the pipeline's setting
   */
  public OptionalInt maxTokens() {
    return maxTokens > 0 ? OptionalInt.of(maxTokens) : OptionalInt.empty();
  }

  /**
   * A sampling temperature overriding the provider's default.
   *
   * @return the temperature in 0..2, or empty to use the provider's default
   */
  public OptionalDouble temperature() {
    return temperature == null ? OptionalDouble.empty() : OptionalDouble.of(temperature);
  }

  /**
   * A TTS voice overriding the provider's configured one.
   *
   * @return the voice name, or empty to use the provider's voice
   */
  public Optional<String> voice() {
    return Optional.ofNullable(voice);
  }

  /**
   * Tools for this turn only, beside the pipeline's ({@link ConversationPipeline.Builder#tools});
   * one with the name of a pipeline tool takes its place in this turn.
   *
   * @return the turn's own tools, in the order given; empty when none
   */
  public List<Tool> tools() {
    return tools;
  }

  /**
   * A language model overriding the LLM provider's default for this turn.
   *
   * @return the model name, or empty to use the provider's
   */
  public Optional<String> model() {
    return Optional.ofNullable(model);
  }

  /**
   * Instructions added after the pipeline's system prompt for this turn only (the caller's name,
   * a persona, "answer in French").
   *
   * @return the addition, or empty when none
   */
  public Optional<String> systemPromptAddition() {
    return Optional.ofNullable(systemPromptAddition);
  }

  /**
   * A speaking speed overriding the TTS provider's.
   *
   * @return the speed in 0.25..4.0, or empty to use the provider's
   */
  public OptionalDouble speechSpeed() {
    return speechSpeed == null ? OptionalDouble.empty() : OptionalDouble.of(speechSpeed);
  }

  /**
   * Style instructions for the voice overriding the TTS provider's (models that take them).
   *
   * @return the instructions, or empty to use the provider's
   */
  public Optional<String> speechInstructions() {
    return Optional.ofNullable(speechInstructions);
  }

  /**
   * An audio format overriding the TTS provider's (its response format); the provider must be
   * able to produce it.
   *
   * @return the format, or empty to use the provider's
   */
  public Optional<AudioFormat> audioFormat() {
    return Optional.ofNullable(audioFormat);
  }

  /**
   * Fields added to every chat request of this turn, for provider features the SDK does not model.
   *
   * @return the fields, unmodifiable; empty when none
   */
  public Map<String, Object> chatExtraBody() {
    return chatExtraBody;
  }

  /**
   * Headers added to every chat request of this turn; never printed.
   *
   * @return the headers, unmodifiable; empty when none
   */
  public Map<String, String> chatHeaders() {
    return chatHeaders;
  }

  /**
   * Fields added to every speech request of this turn.
   *
   * @return the fields, unmodifiable; empty when none
   */
  public Map<String, Object> speechExtraBody() {
    return speechExtraBody;
  }

  /**
   * Headers added to every speech request of this turn; never printed.
   *
   * @return the headers, unmodifiable; empty when none
   */
  public Map<String, String> speechHeaders() {
    return speechHeaders;
  }

  /** Size of the extra fields and headers, as JSON and text: what the pipeline's limit counts. */
  int extrasChars() {
    int chars = 0;
    if (!chatExtraBody.isEmpty()) {
      chars += RequestExtras.canonical(chatExtraBody).length();
    }
    if (!speechExtraBody.isEmpty()) {
      chars += RequestExtras.canonical(speechExtraBody).length();
    }
    for (Map<String, String> headers : List.of(chatHeaders, speechHeaders)) {
      for (Map.Entry<String, String> h : headers.entrySet()) {
        chars += h.getKey().length() + h.getValue().length();
      }
    }
    return chars + (systemPromptAddition == null ? 0 : systemPromptAddition.length())
        + (speechInstructions == null ? 0 : speechInstructions.length());
  }

  @Override
  public String toString() {
    return "TurnRequest[session=" + sessionId + (speech != null ? ", speech=" + speech : "")
        + ", text=" + text.length() + " chars"
        + (image != null ? ", image=" + image.length + " bytes" : "") + "]";
  }

  /** Builds a {@link TurnRequest}. */
  public static final class Builder {
    private final String sessionId;
    private String text;
    private byte[] image;
    private ContentPart.Detail imageDetail = ContentPart.Detail.AUTO;
    private int maxTokens;
    private Double temperature;
    private String voice;
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private String model;
    private String systemPromptAddition;
    private Double speechSpeed;
    private String speechInstructions;
    private AudioFormat audioFormat;
    private Map<String, Object> chatExtraBody = Map.of();
    private Map<String, String> chatHeaders = Map.of();
    private Map<String, Object> speechExtraBody = Map.of();
    private Map<String, String> speechHeaders = Map.of();
    private SpeechInput speech;

    private Builder(String sessionId, SpeechInput speech) {
      this(sessionId, "(speech)");
      if (speech == null) {
        throw new InvalidRequestException("speech", "speech must not be null");
      }
      this.speech = speech;
      this.text = "";
    }

    private Builder(String sessionId, String text) {
      if (sessionId == null || !SESSION_ID.matcher(sessionId).matches()) {
        throw new InvalidRequestException("sessionId",
            "sessionId must match [A-Za-z0-9._:-]{1,128} but was "
                + (sessionId == null ? "null" : "'" + abbreviate(sessionId) + "'"));
      }
      if (text == null || text.isBlank()) {
        throw new InvalidRequestException("text", "text must not be " + (text == null ? "null" : "blank"));
      }
      this.sessionId = sessionId;
      this.text = text;
    }

    /**
     * Makes this a vision turn. The array is kept, not copied: do not modify it afterwards. Its
     * size and type are checked against the pipeline's limits by
     * {@link ConversationPipeline#start}.
     *
     * @param image the encoded image (JPEG, PNG, GIF, WebP, BMP); not empty
     * @return this builder
     * @throws InvalidRequestException when {@code image} is null or empty
     */
    public Builder image(byte[] image) {
      if (image == null || image.length == 0) {
        throw new InvalidRequestException("image", "image must not be " + (image == null ? "null" : "empty"));
      }
      this.image = image;
      return this;
    }

    /**
     * Sets how closely the model looks at the image.
     *
     * @param detail the vision detail level (default {@code AUTO}); not null
     * @return this builder
     */
    public Builder imageDetail(ContentPart.Detail detail) {
      this.imageDetail = Objects.requireNonNull(detail, "detail");
      return this;
    }

    /**
     * Overrides the pipeline's completion budget for this turn.
     *
     * @param maxTokens the most tokens the answer may take, 1..100000
     * @return this builder
     * @throws InvalidRequestException when {@code maxTokens} is outside 1..100000
     */
    public Builder maxTokens(int maxTokens) {
      if (maxTokens < 1 || maxTokens > 100_000) {
        throw new InvalidRequestException("maxTokens", "maxTokens must be in 1..100000 but was " + maxTokens);
      }
      this.maxTokens = maxTokens;
      return this;
    }

    /**
     * Overrides the provider's sampling temperature for this turn.
     *
     * @param temperature the sampling temperature, 0..2 (lower is more deterministic)
     * @return this builder
     * @throws InvalidRequestException when {@code temperature} is outside 0..2 or NaN
     */
    public Builder temperature(double temperature) {
      if (!(temperature >= 0 && temperature <= 2)) {
        throw new InvalidRequestException("temperature", "temperature must be in 0..2 but was " + temperature);
      }
      this.temperature = temperature;
      return this;
    }

    /**
     * Overrides the TTS provider's voice for this turn.
     *
     * @param voice a voice name the TTS provider knows, e.g. {@code "alloy"}; not blank
     * @return this builder
     * @throws InvalidRequestException when {@code voice} is null or blank
     */
    public Builder voice(String voice) {
      if (voice == null || voice.isBlank()) {
        throw new InvalidRequestException("voice", "voice must not be blank");
      }
      this.voice = voice;
      return this;
    }

    /**
     * Adds tools for this turn only, beside the pipeline's; one with the name of a pipeline tool
     * takes its place in this turn.
     *
     * @param tools the tools; not null
     * @return this builder
     * @throws InvalidRequestException when two of this turn's tools share a name
     */
    public Builder tools(Tool... tools) {
      for (Tool tool : tools) {
        Objects.requireNonNull(tool, "tool");
        if (this.tools.putIfAbsent(tool.name(), tool) != null) {
          throw new InvalidRequestException("tools", "two tools are named '" + tool.name() + "'");
        }
      }
      return this;
    }

    /**
     * Overrides the LLM provider's model for this turn.
     *
     * @param model a model name the provider knows; not blank
     * @return this builder
     * @throws InvalidRequestException when {@code model} is null or blank
     */
    public Builder model(String model) {
      if (model == null || model.isBlank()) {
        throw new InvalidRequestException("model", "model must not be blank");
      }
      this.model = model;
      return this;
    }

    /**
     * Adds instructions after the pipeline's system prompt for this turn only.
     *
     * @param addition the instructions; not blank
     * @return this builder
     * @throws InvalidRequestException when {@code addition} is null or blank
     */
    public Builder systemPromptAddition(String addition) {
      if (addition == null || addition.isBlank()) {
        throw new InvalidRequestException("systemPromptAddition", "systemPromptAddition must not be blank");
      }
      this.systemPromptAddition = addition;
      return this;
    }

    /**
     * Overrides the TTS provider's speaking speed for this turn.
     *
     * @param speed 0.25..4.0, 1.0 normal
     * @return this builder
     * @throws InvalidRequestException when {@code speed} is outside 0.25..4.0
     */
    public Builder speechSpeed(double speed) {
      if (!(speed >= 0.25 && speed <= 4.0)) {
        throw new InvalidRequestException("speechSpeed", "speechSpeed must be in 0.25..4.0 but was " + speed);
      }
      this.speechSpeed = speed;
      return this;
    }

    /**
     * Overrides the TTS provider's style instructions for this turn (models that take them, e.g.
     * {@code gpt-4o-mini-tts}: "speak calmly").
     *
     * @param instructions the instructions; not null, empty for none
     * @return this builder
     * @throws InvalidRequestException when {@code instructions} is null
     */
    public Builder speechInstructions(String instructions) {
      if (instructions == null) {
        throw new InvalidRequestException("speechInstructions", "speechInstructions must not be null");
      }
      this.speechInstructions = instructions;
      return this;
    }

    /**
     * Overrides the TTS provider's audio format for this turn (e.g. {@link AudioFormat#MP3} for a
     * client that plays MP3); the provider must be able to produce it.
     *
     * @param format the format; not null
     * @return this builder
     * @throws InvalidRequestException when {@code format} is null
     */
    public Builder audioFormat(AudioFormat format) {
      if (format == null) {
        throw new InvalidRequestException("audioFormat", "audioFormat must not be null");
      }
      this.audioFormat = format;
      return this;
    }

    /**
     * Adds fields to every chat request of this turn, as they are (e.g. {@code seed},
     * {@code top_p}, {@code reasoning_effort}).
     *
     * @param fields names to JSON values (null, strings, numbers, booleans, lists and maps of
     *     these), none of {@link ChatRequest#RESERVED_FIELDS}; copied
     * @return this builder
     * @throws InvalidRequestException naming the field when a value is not JSON or the field is
     *     one the provider writes itself
     */
    public Builder chatExtraBody(Map<String, ?> fields) {
      this.chatExtraBody = extras("chatExtraBody",
          () -> RequestExtras.body(fields, ChatRequest.RESERVED_FIELDS, "chatExtraBody"));
      return this;
    }

    /**
     * Adds headers to every chat request of this turn (e.g. a gateway's routing header). Their
     * values are never printed and are masked in provider errors.
     *
     * @param headers names to values; none the HTTP client sets itself; copied
     * @return this builder
     * @throws InvalidRequestException naming the header when it is not valid
     */
    public Builder chatHeaders(Map<String, String> headers) {
      this.chatHeaders = extras("chatHeaders", () -> RequestExtras.headers(headers, "chatHeaders"));
      return this;
    }

    /**
     * Adds fields to every speech request of this turn, as they are.
     *
     * @param fields names to JSON values, none of {@link SpeechRequest#RESERVED_FIELDS}; copied
     * @return this builder
     * @throws InvalidRequestException naming the field when a value is not JSON or the field is
     *     one the provider writes itself
     */
    public Builder speechExtraBody(Map<String, ?> fields) {
      this.speechExtraBody = extras("speechExtraBody",
          () -> RequestExtras.body(fields, SpeechRequest.RESERVED_FIELDS, "speechExtraBody"));
      return this;
    }

    /**
     * Adds headers to every speech request of this turn. Their values are never printed and are
     * masked in provider errors.
     *
     * @param headers names to values; none the HTTP client sets itself; copied
     * @return this builder
     * @throws InvalidRequestException naming the header when it is not valid
     */
    public Builder speechHeaders(Map<String, String> headers) {
      this.speechHeaders = extras("speechHeaders", () -> RequestExtras.headers(headers, "speechHeaders"));
      return this;
    }

    private static <T> T extras(String field, java.util.function.Supplier<T> check) {
      try {
        return check.get();
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new InvalidRequestException(field, e.getMessage());
      }
    }

    /**
     * Builds the request.
     *
     * @return the request; every value was checked when it was set
     */
    public TurnRequest build() {
      return new TurnRequest(this);
    }
  }

  /**
   * A rejected value as it may go into a message and from there into a log: at most its first 40
   * characters, with control, format and line-separator characters escaped ({@code \r}, {@code \n},
   * {@code \t}, others as {@code \}{@code uXXXX}) so a caller's input cannot forge a log line or
   * drive a terminal. A backslash is doubled, so an escape in the message is never the caller's.
   */
  private static String abbreviate(String s) {
    String head = s.length() <= 40 ? s : s.substring(0, 40);
    StringBuilder b = new StringBuilder(head.length() + 16);
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      switch (c) {
        case '\r' -> b.append("\\r");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\\' -> b.append("\\\\");
        default -> {
          if (mustEscape(head, i)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return s.length() <= 40 ? b.toString() : b + "...(" + s.length() + " chars)";
  }

  /** Control, format (bidi overrides, zero-width) and separator characters; half a surrogate pair, as the cut may leave. */
  private static boolean mustEscape(String s, int i) {
    char c = s.charAt(i);
    int type = Character.getType(c);
    if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR) {
      return true;
    }
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }
}
