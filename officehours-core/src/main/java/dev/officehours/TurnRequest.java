package dev.officehours;

import dev.officehours.errors.InvalidRequestException;
import dev.officehours.llm.ContentPart;
import dev.officehours.tools.Tool;
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
