package dev.officehours.text;

/** PLACEHOLDER: replaced by the real implementation. */
public final class SpeakableText {
  private SpeakableText() {}

  /** The text to send to TTS for a raw chunk; empty when nothing in it is speakable. */
  public static String clean(String raw) {
    return raw.strip();
  }
}
