package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.AudioFrame;
import dev.officehours.tts.AudioFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavFileOutputTest {
  @TempDir
  Path tmp;

  private final AtomicInteger created = new AtomicInteger();

  private WavFileOutput output() {
    return new WavFileOutput(() -> {
      created.incrementAndGet();
      return Files.createDirectory(tmp.resolve("audio"));
    }, "turn-");
  }

  @Test
  void noDirectoryIsMadeForTurnsWithoutAudio() {
    WavFileOutput output = output();
    output.beginTurn(1);
    assertEquals(Optional.empty(), output.endTurn());
    output.beginTurn(2);
    output.abortTurn();
    output.close();

    assertEquals(0, created.get());
  }

  @Test
  void theDirectoryIsMadeOnceWhenTheFirstAudioIsWritten() {
    WavFileOutput output = output();
    for (int turn = 1; turn <= 2; turn++) {
      output.beginTurn(turn);
      output.write(new AudioFrame("t" + turn, 0, 0, "c", AudioFormat.PCM_24K, new byte[480], false));
      Path file = output.endTurn().orElseThrow();

      assertEquals(tmp.resolve("audio").resolve("turn-" + turn + ".wav"), file);
      assertTrue(Files.isRegularFile(file));
    }
    assertEquals(1, created.get());
  }
}
