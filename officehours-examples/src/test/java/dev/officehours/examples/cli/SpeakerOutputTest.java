package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.AudioFrame;
import dev.officehours.examples.audio.Wav;
import dev.officehours.tts.AudioFormat;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sound.sampled.SourceDataLine;
import org.junit.jupiter.api.Test;

/** The speaker's player thread, over a stand-in line that keeps SourceDataLine's contract. */
class SpeakerOutputTest {

  /** A line that records whole-frame writes and enforces "whole frames only" like javax.sound does. */
  private static final class FakeLine {
    final List<byte[]> written = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Integer> writes = new LinkedBlockingQueue<>();
    volatile Function<Integer, RuntimeException> failWrite = n -> null;
    volatile CountDownLatch drainBlocks;
    final CountDownLatch firstWriteStarted = new CountDownLatch(1);
    volatile CountDownLatch firstWriteBlocks = new CountDownLatch(0);

    SourceDataLine line() {
      return (SourceDataLine) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {SourceDataLine.class},
          (p, m, args) -> {
            switch (m.getName()) {
              case "write" -> {
                byte[] b = (byte[]) args[0];
                int off = (Integer) args[1];
                int len = (Integer) args[2];
                int n = writes.size();
                if (n == 0) {
                  firstWriteStarted.countDown();
                  firstWriteBlocks.await();
                }
                RuntimeException fail = failWrite.apply(n);
                writes.add(len);
                if (fail != null) {
                  throw fail;
                }
                if (len % 2 != 0) {
                  throw new IllegalArgumentException("illegal request to write non-integral number of frames");
                }
                written.add(Arrays.copyOfRange(b, off, off + len));
                return len;
              }
              case "drain" -> {
                CountDownLatch block = drainBlocks;
                if (block != null) {
                  block.await();
                }
                return null;
              }
              case "hashCode" -> {
                return System.identityHashCode(p);
              }
              case "equals" -> {
                return p == args[0];
              }
              default -> {
                return null;
              }
            }
          });
    }

    byte[] all() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      written.forEach(out::writeBytes);
      return out.toByteArray();
    }
  }

  private static byte[] wav(int pcmBytes) {
    byte[] wav = new byte[44 + pcmBytes];
    System.arraycopy(Wav.header(pcmBytes, 24000, 1), 0, wav, 0, 44);
    for (int i = 44; i < wav.length; i++) {
      wav[i] = (byte) i;
    }
    return wav;
  }

  private static AudioFrame frame(int chunk, int seq, byte[] data) {
    return new AudioFrame("t", 0, chunk, "c", AudioFormat.WAV, data, false);
  }

  @Test
  void aWavStreamSplitInsideASampleReachesTheLineAsWholeFrames() throws Exception {
    byte[] wav = wav(4800);
    FakeLine fake = new FakeLine();
    SpeakerOutput speaker = new SpeakerOutput(fake.line());
    speaker.beginTurn(1);
    // the network split the body after 45 bytes (header + half a sample), then at odd offsets
    speaker.write(frame(0, 0, Arrays.copyOfRange(wav, 0, 45)));
    speaker.write(frame(0, 1, Arrays.copyOfRange(wav, 45, 1001)));
    speaker.write(frame(0, 2, Arrays.copyOfRange(wav, 1001, wav.length)));
    speaker.close();

    assertArrayEquals(Arrays.copyOfRange(wav, 44, wav.length), fake.all(), "every sample played, none torn");
  }

  @Test
  void aLineThatRejectsABufferDoesNotStopThePlayer() throws Exception {
    FakeLine fake = new FakeLine();
    fake.failWrite = n -> n == 0 ? new IllegalArgumentException("rejected") : null;
    SpeakerOutput speaker = new SpeakerOutput(fake.line());
    speaker.beginTurn(1);
    byte[] first = new byte[100];
    byte[] second = new byte[200];
    Arrays.fill(second, (byte) 7);
    speaker.write(new AudioFrame("t", 0, 0, "c", AudioFormat.PCM_24K, first, false));
    speaker.write(new AudioFrame("t", 0, 1, "c", AudioFormat.PCM_24K, second, false));
    ExecutorService e = Executors.newSingleThreadExecutor();
    try {
      Future<?> closing = e.submit(speaker::close);
      closing.get(30, TimeUnit.SECONDS);
    } finally {
      e.shutdownNow();
    }
    assertArrayEquals(second, fake.all(), "the audio after the rejected buffer still played");
  }

  @Test
  void closeDoesNotWaitForeverForALineThatNeverDrains() throws Exception {
    FakeLine fake = new FakeLine();
    fake.drainBlocks = new CountDownLatch(1);
    SpeakerOutput speaker = new SpeakerOutput(fake.line());
    CompletableFuture<Void> closed = CompletableFuture.runAsync(speaker::close);
    try {
      // bounded by the queued audio (none) plus 2 s; the old close() waited 5 minutes
      closed.get(30, TimeUnit.SECONDS);
    } finally {
      fake.drainBlocks.countDown();
    }
    assertTrue(closed.isDone());
    assertEquals(0, fake.writes.size());
  }

  @Test
  void aBargeInDropsTheAudioQueuedBeforeIt() throws Exception {
    FakeLine fake = new FakeLine();
    fake.firstWriteBlocks = new CountDownLatch(1);
    SpeakerOutput speaker = new SpeakerOutput(fake.line());
    speaker.beginTurn(1);
    byte[] a = new byte[2_400];
    byte[] stale = new byte[4_800];
    Arrays.fill(stale, (byte) 1);
    byte[] next = new byte[400];
    Arrays.fill(next, (byte) 2);
    speaker.write(new AudioFrame("t", 0, 0, "c", AudioFormat.PCM_24K, a, false));
    assertTrue(fake.firstWriteStarted.await(30, TimeUnit.SECONDS));
    speaker.write(new AudioFrame("t", 0, 1, "c", AudioFormat.PCM_24K, stale, false));
    speaker.abortTurn();
    fake.firstWriteBlocks.countDown();
    speaker.beginTurn(2);
    speaker.write(new AudioFrame("t2", 0, 0, "c", AudioFormat.PCM_24K, next, false));
    speaker.close();

    byte[] expected = new byte[a.length + next.length];
    System.arraycopy(next, 0, expected, a.length, next.length);
    assertArrayEquals(expected, fake.all(), "nothing queued before the barge-in played after it");
  }
}
