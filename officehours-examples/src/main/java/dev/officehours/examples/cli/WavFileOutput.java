package dev.officehours.examples.cli;

import dev.officehours.AudioFrame;
import dev.officehours.examples.audio.Wav;
import dev.officehours.tts.AudioFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes each turn's audio to a file in a directory: {@code turn-N.wav} for PCM and WAV audio,
 * {@code turn-N.mp3} or {@code .opus} for compressed audio (the chunks' streams concatenated,
 * which players accept).
 */
final class WavFileOutput implements AudioOutput {
  /** The directory, until it exists: created with the first file, so a run without audio leaves none. */
  private final DirectoryMaker maker;
  private Path dir;
  private final String prefix;
  private ByteArrayOutputStream audio = new ByteArrayOutputStream();
  private PcmExtractor extractor = new PcmExtractor();
  private AudioFormat format;
  private int turn;

  WavFileOutput(Path dir, String prefix) {
    this.dir = dir;
    this.maker = null;
    this.prefix = prefix;
  }

  WavFileOutput(DirectoryMaker maker, String prefix) {
    this.maker = maker;
    this.prefix = prefix;
  }

  /** Creates a directory when it is first needed. */
  @FunctionalInterface
  interface DirectoryMaker {
    /**
     * Creates it.
     *
     * @return the new directory
     * @throws IOException when it cannot be created
     */
    Path create() throws IOException;
  }

  /**
   * An output into a new temporary directory ({@code officehours-audio-*}), created only when the
   * first turn with audio ends.
   *
   * @param prefix the files' names before the turn number
   * @return the output
   */
  static WavFileOutput inTemporaryDirectory(String prefix) {
    return new WavFileOutput(() -> Files.createTempDirectory("officehours-audio-"), prefix);
  }

  /** The audio could not be written to the directory. */
  static final class CannotWrite extends UncheckedIOException {
    private static final long serialVersionUID = 1L;
    private final transient Path dir;

    CannotWrite(Path dir, IOException cause) {
      super("cannot write the audio to " + dir, cause);
      this.dir = dir;
    }

    /** The directory. */
    Path dir() {
      return dir;
    }
  }

  /**
   * An output into {@code dir}, created if need be and checked to be writable now, rather than
   * after the first answer.
   *
   * @throws CannotWrite when it cannot be created or written
   */
  static WavFileOutput checked(Path dir, String prefix) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".officehours-", ".probe");
      Files.delete(probe);
    } catch (IOException e) {
      throw new CannotWrite(dir, e);
    } catch (SecurityException e) {
      throw new CannotWrite(dir, new IOException(e.getMessage(), e));
    }
    return new WavFileOutput(dir, prefix);
  }

  @Override
  public synchronized void beginTurn(int turnNumber) {
    turn = turnNumber;
    audio = new ByteArrayOutputStream();
    extractor = new PcmExtractor();
    format = null;
  }

  @Override
  public synchronized void write(AudioFrame frame) {
    format = frame.format();
    if (format.isRawPcm() || format.encoding() == AudioFormat.Encoding.WAV) {
      audio.writeBytes(extractor.pcm(frame));
    } else {
      audio.writeBytes(frame.data());
    }
  }

  /** @throws CannotWrite when the file cannot be written */
  @Override
  public synchronized Optional<Path> endTurn() {
    if (format == null || audio.size() == 0) {
      return Optional.empty();
    }
    if (dir == null) {
      try {
        dir = maker.create();
      } catch (IOException | SecurityException e) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir", "."));
        throw new CannotWrite(tmp, e instanceof IOException io ? io : new IOException(e.getMessage(), e));
      }
    }
    try {
      Files.createDirectories(dir);
      byte[] bytes = audio.toByteArray();
      if (format.isRawPcm() || format.encoding() == AudioFormat.Encoding.WAV) {
        Path file = dir.resolve(prefix + turn + ".wav");
        Wav.write(file, bytes, format.sampleRate(), format.channels());
        return Optional.of(file);
      }
      Path file = dir.resolve(prefix + turn + "." + format.encoding().wireName().toLowerCase(Locale.ROOT));
      Files.write(file, bytes);
      return Optional.of(file);
    } catch (IOException e) {
      throw new CannotWrite(dir, e);
    }
  }

  @Override
  public synchronized void abortTurn() {
    audio = new ByteArrayOutputStream();
    format = null;
  }

  @Override
  public void close() {}
}
