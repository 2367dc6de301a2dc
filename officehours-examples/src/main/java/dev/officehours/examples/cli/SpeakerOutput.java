package dev.officehours.examples.cli;

import dev.officehours.AudioFrame;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays audio through the sound card with javax.sound: PCM 24 kHz, 16-bit little-endian, mono.
 * Writing to a line blocks for as long as the audio plays, so a thread of its own feeds the line
 * from a queue, and the listener only enqueues. A barge-in empties the queue and flushes the line.
 */
final class SpeakerOutput implements AudioOutput {
  private static final Logger LOG = LoggerFactory.getLogger(SpeakerOutput.class);
  /** Bytes per second of the line's format: 24 kHz, 16-bit, mono. */
  private static final int BYTES_PER_SECOND = 48_000;
  /** The line's own buffer, in bytes (half a second). */
  private static final int LINE_BUFFER = 24_000;
  private final SourceDataLine line;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Thread player;
  private volatile PcmExtractor extractor = new PcmExtractor();
  private volatile int generation;

  /** Audio to play, tagged with the generation it was queued in: a barge-in makes it stale. */
  private record Queued(byte[] pcm, int generation) {}

  /** Plays through {@code line}, already open and started (package-private for tests). */
  SpeakerOutput(SourceDataLine line) {
    this.line = line;
    this.player = new Thread(this::play, "officehours-cli-speaker");
    player.setDaemon(true);
    player.start();
  }

  /**
   * Opens the default output device.
   *
   * @return the output, or empty when there is no usable device (headless machine, no mixer)
   */
  static Optional<SpeakerOutput> open() {
    AudioFormat format = new AudioFormat(24_000, 16, 1, true, false);
    try {
      SourceDataLine line = AudioSystem.getSourceDataLine(format);
      line.open(format, LINE_BUFFER); // half a second of buffer
      line.start();
      return Optional.of(new SpeakerOutput(line));
    } catch (LineUnavailableException | IllegalArgumentException | SecurityException e) {
      return Optional.empty();
    }
  }

  @Override
  public void beginTurn(int turnNumber) {
    extractor = new PcmExtractor();
  }

  @Override
  public void write(AudioFrame frame) {
    byte[] pcm = extractor.pcm(frame);
    if (pcm.length > 0) {
      queue.add(new Queued(pcm, generation));
    }
  }

  @Override
  public Optional<Path> endTurn() {
    return Optional.empty();
  }

  @Override
  public void abortTurn() {
    generation++;
    queue.clear();
    line.flush();
  }

  private void play() {
    boolean warned = false;
    try {
      while (true) {
        Object next = queue.take();
        try {
          if (next instanceof CountDownLatch drained) {
            try {
              line.drain();
            } finally {
              drained.countDown();
            }
            continue;
          }
          Queued queued = (Queued) next;
          byte[] pcm = queued.pcm();
          // audio queued before a barge-in is dropped, even if taken from the queue just before it;
          // written in small slices so a barge-in stops the sound within ~50 ms
          for (int off = 0; off < pcm.length && queued.generation() == generation; off += 2_400) {
            line.write(pcm, off, Math.min(2_400, pcm.length - off));
          }
        } catch (RuntimeException e) {
          // a line that rejects one buffer must not silence the rest of the session or hang close()
          if (!warned) {
            warned = true;
            LOG.warn("Audio playback failed, skipping that audio (further failures not logged): {}", e.toString());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    long queuedBytes = LINE_BUFFER;
    for (Object o : queue) {
      if (o instanceof Queued q) {
        queuedBytes += q.pcm().length;
      }
    }
    CountDownLatch drained = new CountDownLatch(1);
    queue.add(drained);
    try {
      // the queued audio plays out, plus 2 s; never longer, whatever the player thread does
      drained.await(queuedBytes * 1000 / BYTES_PER_SECOND + 2_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    player.interrupt();
    line.close();
  }
}
