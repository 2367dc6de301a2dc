package dev.officehours.examples.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FreeTtsSpeechTest {
  private static final FreeTtsSpeech TTS = FreeTtsSpeech.create();

  @AfterAll
  static void close() {
    TTS.close();
  }

  /** Collects one synthesis. */
  static final class Collector implements AudioSink {
    final ByteArrayOutputStream audio = new ByteArrayOutputStream();
    final CompletableFuture<byte[]> done = new CompletableFuture<>();
    volatile int frames;

    @Override
    public void onAudio(byte[] bytes) {
      frames++;
      audio.writeBytes(bytes);
    }

    @Override
    public void onComplete() {
      done.complete(audio.toByteArray());
    }

    @Override
    public void onError(OfficeHoursException error) {
      done.completeExceptionally(error);
    }
  }

  @Test
  void speaksNonSilentPcmAt24kHz() throws Exception {
    SpeechRequest request = TTS.request("What is OfficeHours?");
    assertEquals(AudioFormat.PCM_24K, request.format());
    Collector sink = new Collector();
    TTS.synthesize(request, sink);
    byte[] pcm = sink.done.get(60, TimeUnit.SECONDS);

    assertEquals(0, pcm.length % 2);
    double seconds = pcm.length / 2 / 24_000.0;
    assertTrue(seconds > 0.5 && seconds < 5, seconds + " s of audio");
    double rms = rms(pcm);
    assertTrue(rms > 500, "rms " + rms + " is speech, not silence");
  }

  @Test
  void refusesFormatsOtherThanPcmWithAClearError() {
    Collector mp3 = new Collector();
    SpeechRequest r = new SpeechRequest("Hello", "freetts", "kevin16", 1.0, "", AudioFormat.MP3);
    TTS.synthesize(r, mp3);
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> mp3.done.get(5, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("only raw PCM"), e.getCause().getMessage());
  }

  @Test
  void aCancelledSynthesisCallsTheSinkNoMore() throws Exception {
    Collector first = new Collector();
    Collector cancelled = new Collector();
    TTS.synthesize(TTS.request("A long first sentence keeps the only synthesis thread busy for a while."), first);
    TTS.synthesize(TTS.request("This one is cancelled before it starts."), cancelled).cancel();
    Collector after = new Collector();
    TTS.synthesize(TTS.request("Done."), after);
    after.done.get(60, TimeUnit.SECONDS); // the pool is serial: the cancelled one has had its turn

    assertEquals(0, cancelled.frames);
    assertTrue(!cancelled.done.isDone(), "no terminal callback after cancel");
  }

  @Test
  void convertsBigEndian16kHzTo24kHzLittleEndian() {
    byte[] src = new byte[2 * 160]; // 10 ms of a constant 0x1234
    for (int i = 0; i < 160; i++) {
      src[2 * i] = 0x12;
      src[2 * i + 1] = 0x34;
    }
    byte[] out = PcmConverter.toPcm16le(src, 16_000, true, 16, 24_000);
    assertEquals(2 * 240, out.length);
    for (int i = 0; i < 240; i++) {
      assertEquals(0x34, out[2 * i] & 0xff);
      assertEquals(0x12, out[2 * i + 1] & 0xff);
    }
  }

  static double rms(byte[] pcm) {
    double sum = 0;
    int n = pcm.length / 2;
    for (int i = 0; i < n; i++) {
      int s = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
      sum += (double) s * s;
    }
    return Math.sqrt(sum / n);
  }
}
