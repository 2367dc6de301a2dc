package dev.officehours.testkit;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioSink;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** An {@link AudioSink} that records every callback into a {@link CallbackLog}. */
public final class RecordingAudioSink implements AudioSink {
  private final CallbackLog log = new CallbackLog();
  private final List<byte[]> pieces = new ArrayList<>();
  private final Consumer<byte[]> onEachPiece;
  private volatile boolean completed;

  /** A sink that only records. */
  public RecordingAudioSink() {
    this(b -> {});
  }

  /**
   * A sink that records and then runs {@code onEachPiece} (e.g. to cancel from inside).
   *
   * @param onEachPiece runs inside each {@link #onAudio}, after recording it
   */
  public RecordingAudioSink(Consumer<byte[]> onEachPiece) {
    this.onEachPiece = onEachPiece;
  }

  @Override
  public void onAudio(byte[] audio) {
    log.enter("audio:" + audio.length, false);
    try {
      synchronized (pieces) {
        pieces.add(audio.clone());
      }
      onEachPiece.accept(audio);
    } finally {
      log.exit();
    }
  }

  @Override
  public void onComplete() {
    completed = true;
    log.enter("complete", true);
    log.exit();
  }

  @Override
  public void onError(OfficeHoursException error) {
    log.error(error);
    log.enter("error:" + error, true);
    log.exit();
  }

  /**
   * The audio buffers received, in order.
   *
   * @return copies of the buffers
   */
  public List<byte[]> pieces() {
    synchronized (pieces) {
      return List.copyOf(pieces);
    }
  }

  /**
   * All audio received, joined.
   *
   * @return the bytes so far
   */
  public byte[] audio() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : pieces()) {
      all.writeBytes(p);
    }
    return all.toByteArray();
  }

  /**
   * Whether the synthesis completed normally.
   *
   * @return true after {@link #onComplete()}
   */
  public boolean completed() {
    return completed;
  }

  /**
   * The callback log.
   *
   * @return the log of this sink
   */
  public CallbackLog log() {
    return log;
  }
}
