package dev.officehours.elevenlabs;

import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.WordTiming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okio.Buffer;

/**
 * Turns ElevenLabs' audio and character timings into pieces of audio, each with the words that
 * start in it. The stream's character times count from the start of the request's audio
 * (ElevenLabs' streaming endpoint, unlike its WebSocket, does not restart them per message), and
 * a word may be cut between two messages. So the audio from the start of a word still being
 * spelled is held back until the word is complete (its rest arrives, or whitespace, or the end):
 * the audio before it goes on at once, and the word goes with the piece its audio starts in.
 *
 * <p>While a word is being spelled, one sample frame is kept until the next message or the end,
 * so that the end always has a piece to carry that word; with no word pending, every whole frame
 * goes on at once (audio that arrived before the server paused must reach the caller). A word whose audio runs longer than {@link #MAX_HOLD} is
 * not waited for: its audio goes on and the word follows with a later piece. For compressed audio
 * (MP3), whose bytes cannot be cut at a time, everything from a message that ends inside a word
 * is held.
 */
final class WordAligner {
  /** The most audio held back for a word still being spelled. */
  static final Duration MAX_HOLD = Duration.ofSeconds(2);

  /** A piece of audio to hand on, with the words that start in it (or before it, not yet sent). */
  record Piece(byte[] audio, List<WordTiming> words) {}

  private final int frameSize;
  private final long bytesPerSecond;
  private final long maxHoldBytes;
  private final Buffer held = new Buffer();
  private long deliveredBytes;
  private final List<WordTiming> ready = new ArrayList<>();
  private final StringBuilder word = new StringBuilder();
  private double wordStart;
  private double wordEnd;

  WordAligner(AudioFormat format) {
    this.frameSize = format.frameSize();
    this.bytesPerSecond = format.isRawPcm()
        ? (long) format.sampleRate() * format.channels() * 2 : 0;
    this.maxHoldBytes = bytesPerSecond > 0
        ? bytesPerSecond * MAX_HOLD.toMillis() / 1000 : 64 * 1024;
  }

  void audio(byte[] bytes) {
    held.write(bytes);
  }

  /**
   * The characters of one message with their start and end times in seconds. Whitespace ends a
   * word; any other character (a multi-character string too) continues it.
   */
  void characters(List<String> chars, double[] starts, double[] ends) {
    for (int i = 0; i < chars.size(); i++) {
      String c = chars.get(i);
      if (c.isBlank()) {
        endWord();
        continue;
      }
      double start = clean(starts[i]);
      double end = Math.max(start, clean(ends[i]));
      if (word.length() == 0) {
        wordStart = start;
        wordEnd = end;
      }
      word.append(c);
      wordEnd = Math.max(wordEnd, end);
    }
  }

  private static double clean(double seconds) {
    return Double.isFinite(seconds) && seconds > 0 ? seconds : 0;
  }

  private void endWord() {
    if (word.length() > 0) {
      String w = word.toString().strip();
      if (!w.isEmpty()) {
        ready.add(new WordTiming(w, seconds(wordStart), seconds(wordEnd), false));
      }
      word.setLength(0);
    }
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  /**
   * What may go on after a message: the audio up to the start of a word still being spelled (and
   * never its last sample frame), or all whole frames when no word is pending.
   *
   * @return the piece, or {@code null} when nothing may go yet
   */
  Piece drain() {
    long usable = held.size() - held.size() % frameSize;
    long cut = usable;
    if (word.length() > 0) {
      cut = usable - frameSize;
      long wordAt = bytesPerSecond > 0
          ? (long) (wordStart * bytesPerSecond) / frameSize * frameSize - deliveredBytes : 0;
      cut = Math.min(cut, Math.max(0, wordAt));
      if (usable - cut > maxHoldBytes) {
        cut = usable - frameSize; // a word this long is not waited for
      }
    }
    return take(cut);
  }

  /**
   * Everything left at the end of the stream, with every word left. A trailing part of a sample
   * frame is dropped.
   *
   * @return the piece, or {@code null} when no audio is left
   */
  Piece finish() {
    endWord();
    return take(held.size() - held.size() % frameSize);
  }

  /** Words that never found audio to go with (timings after the last audio byte). */
  int wordsLeft() {
    return ready.size() + (word.length() > 0 ? 1 : 0);
  }

  long trailingBytes() {
    return held.size();
  }

  private Piece take(long bytes) {
    if (bytes <= 0) {
      return null;
    }
    byte[] audio;
    try {
      audio = held.readByteArray(bytes);
    } catch (java.io.EOFException e) {
      throw new AssertionError("fewer bytes held than counted", e);
    }
    deliveredBytes += bytes;
    List<WordTiming> words = List.copyOf(ready);
    ready.clear();
    return new Piece(audio, words);
  }
}
