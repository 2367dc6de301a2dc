package dev.officehours.text;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cuts a streamed LLM answer into speakable chunks. Stateful, one per turn, not thread-safe.
 * PLACEHOLDER: replaced by the real implementation.
 */
public final class SpeechChunker {
  private final ChunkerSettings settings;
  private final StringBuilder buffer = new StringBuilder();

  /** A chunker with the given settings. */
  public SpeechChunker(ChunkerSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Appends a token; emits every chunk that is complete, raw text as the LLM wrote it. */
  public void append(CharSequence delta, Consumer<String> out) {
    buffer.append(delta);
    int i = buffer.indexOf(". ");
    if (i >= 0 && i + 1 >= settings.firstChunkMinChars()) {
      out.accept(buffer.substring(0, i + 1));
      buffer.delete(0, i + 2);
    }
  }

  /** Emits whatever is buffered as a last chunk (end of stream, or idle flush). */
  public void flush(Consumer<String> out) {
    if (buffer.length() > 0) {
      out.accept(buffer.toString());
      buffer.setLength(0);
    }
  }

  /** Whether text is waiting for a boundary. */
  public boolean hasBufferedText() {
    return buffer.length() > 0;
  }
}
