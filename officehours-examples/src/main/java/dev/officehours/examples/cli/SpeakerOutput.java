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

/**
 * Plays audio through the sound card with javax.sound: PCM 24 kHz, 16-bit little-endian, mono.
 * Writing to a line blocks for as long as the audio plays, so a thread of its own feeds the line
 * from a queue, and the listener only enqueues. A barge-in empties the queue and flushes the line.
 */
final class SpeakerOutput implements AudioOutput {
  private final SourceDataLine line;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Thread player;
  private volatile PcmExtractor extractor = new PcmExtractor();
  private volatile int generation;

  private SpeakerOutput(SourceDataLine line) {
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
      line.open(format, 24_000); // half a second of buffer
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
      queue.add(pcm);
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
    try {
      while (true) {
        Object next = queue.take();
        if (next instanceof CountDownLatch drained) {
          line.drain();
          drained.countDown();
          continue;
        }
        byte[] pcm = (byte[]) next;
        int gen = generation;
        // write in small slices so a barge-in stops the sound within ~50 ms
        for (int off = 0; off < pcm.length && gen == generation; off += 2_400) {
          line.write(pcm, off, Math.min(2_400, pcm.length - off));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    CountDownLatch drained = new CountDownLatch(1);
    queue.add(drained);
    try {
      drained.await(5, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    player.interrupt();
    line.close();
  }
}
