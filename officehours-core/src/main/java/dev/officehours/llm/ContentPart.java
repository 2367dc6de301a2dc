package dev.officehours.llm;

import java.util.Objects;

/** A part of a chat message: text, or an image for a vision turn. */
public sealed interface ContentPart {

  /**
   * Plain text.
   *
   * @param text the text
   */
  record Text(String text) implements ContentPart {
    /**
     * Rejects {@code null}.
     *
     * @param text the text; not null
     */
    public Text {
      Objects.requireNonNull(text, "text");
    }
  }

  /**
   * An image, sent as a {@code data:} URL.
   *
   * @param data the encoded image bytes (JPEG, PNG, ...); not copied, do not modify
   * @param mimeType e.g. {@code image/jpeg}
   * @param detail the vision detail level the model should use
   */
  record Image(byte[] data, String mimeType, Detail detail) implements ContentPart {
    /**
     * Rejects {@code null}s.
     *
     * @param data the encoded image bytes (JPEG, PNG, ...); not copied, do not modify
     * @param mimeType e.g. {@code image/jpeg}
     * @param detail the vision detail level the model should use
     */
    public Image {
      Objects.requireNonNull(data, "data");
      Objects.requireNonNull(mimeType, "mimeType");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
      return "Image[" + mimeType + ", " + data.length + " bytes, detail=" + detail + "]";
    }
  }

  /** The OpenAI vision {@code detail} setting. */
  enum Detail {
    /** Let the model choose. */
    AUTO,
    /** 512 px, cheapest and fastest. */
    LOW,
    /** Full tiling. */
    HIGH;

    /**
     * The name of this level in the OpenAI vision format.
     *
     * @return {@code auto}, {@code low} or {@code high}
     */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
