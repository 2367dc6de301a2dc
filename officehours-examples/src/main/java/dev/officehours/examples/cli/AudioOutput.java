package dev.officehours.examples.cli;

import dev.officehours.AudioFrame;
import java.util.Optional;
import java.nio.file.Path;

/**
 * Where the CLI's audio goes: the sound card, or one WAV file per turn. {@link #write} is called
 * from the pipeline's listener, so it must not block.
 */
interface AudioOutput extends AutoCloseable {

  /** A new turn starts. */
  void beginTurn(int turnNumber);

  /** The next frame of the turn. Must be fast. */
  void write(AudioFrame frame);

  /** The turn completed; returns the file written for it, if this output writes files. */
  Optional<Path> endTurn();

  /** The turn was cancelled or failed: drop what has not been played. */
  void abortTurn();

  /** Waits for queued audio to finish playing, then releases the device. */
  @Override
  void close();
}
