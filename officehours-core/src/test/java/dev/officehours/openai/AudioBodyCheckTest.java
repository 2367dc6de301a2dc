package dev.officehours.openai;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.officehours.tts.AudioFormat.Encoding;
import java.util.Random;
import okio.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AudioBodyCheckTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"audio/pcm", "audio/L16;rate=24000", "audio/mpeg", "audio/aac",
      "audio/flac", "audio/opus", "audio/ogg", "audio/wav", "audio/x-wav", "audio/webm",
      "application/octet-stream", "binary/octet-stream", "application/ogg", "", "not a type"})
  void audioTypesTheOctetStreamAndNoTypeAreAccepted(String type) {
    assertNull(AudioBodyCheck.rejectType(type));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"application/json", "application/json; charset=utf-8",
      "application/problem+json", "text/plain", "text/html; charset=UTF-8", "TEXT/HTML",
      "application/xhtml+xml", "application/xml", "image/png", "multipart/form-data; boundary=x"})
  void textJsonMarkupAndOtherNonAudioTypesAreRejectedByName(String type) {
    String why = AudioBodyCheck.rejectType(type);
    assertNotNull(why);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"{\"error\":{\"message\":\"x\"}}", "  \n{ \"detail\": \"Not Found\" }",
      "[{\"error\":\"x\"}]", "<!DOCTYPE html><html>", "<html><head>", "<?xml version=\"1.0\"?>",
      "\uFEFF{\"error\":\"x\"}", "{\"message\":\"Ungültige Stimme: 声音\"}", "{}"})
  void jsonAndMarkupAreNotAudioOfAnyFormat(String start) {
    for (Encoding encoding : Encoding.values()) {
      assertNotNull(AudioBodyCheck.rejectStart(ByteString.encodeUtf8(start), encoding), start);
    }
  }

  @Test
  void aWindowThatCutsAMultiByteCharacterIsStillText() {
    ByteString json = ByteString.encodeUtf8("{\"message\":\"" + "é".repeat(40) + "\"}");
    assertNotNull(AudioBodyCheck.rejectStart(json.substring(0, 63), Encoding.PCM_S16LE));
  }

  @Test
  void compressedFormatsStartWithTheirOwnMagicAndPass() {
    assertNull(AudioBodyCheck.rejectStart(ByteString.of((byte) 'I', (byte) 'D', (byte) '3',
        (byte) 4, (byte) 0, (byte) 0), Encoding.MP3));
    assertNull(AudioBodyCheck.rejectStart(ByteString.of((byte) 0xFF, (byte) 0xF3, (byte) 0x44),
        Encoding.MP3));
    assertNull(AudioBodyCheck.rejectStart(ByteString.encodeUtf8("OggS\0\2"), Encoding.OPUS));
    assertNull(AudioBodyCheck.rejectStart(ByteString.encodeUtf8("RIFF$\0\0\0WAVEfmt "),
        Encoding.WAV));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"RIFF$\0\0\0WAVEfmt ", "OggS\0\2\0\0", "fLaC\0\0\0\"", "ID3\4\0\0\0\0"})
  void containersAreNotRawPcm(String start) {
    assertNotNull(AudioBodyCheck.rejectStart(ByteString.encodeUtf8(start), Encoding.PCM_S16LE));
  }

  @Test
  void pcmThatHappensToStartWithABraceIsStillAudio() {
    // '{' then the samples of quiet speech: control bytes give it away at once.
    ByteString samples = ByteString.of((byte) '{', (byte) '"', (byte) 0x00, (byte) 0x01,
        (byte) 0xFF, (byte) 0xFF, (byte) 0x02, (byte) 0x00);
    assertNull(AudioBodyCheck.rejectStart(samples, Encoding.PCM_S16LE));
    assertNull(AudioBodyCheck.rejectStart(ByteString.of((byte) '<', (byte) 0x10),
        Encoding.PCM_S16LE));
  }

  @Test
  void randomPcmIsNeverTakenForText() {
    Random random = new Random(42);
    byte[] window = new byte[AudioBodyCheck.SNIFF_BYTES];
    for (int i = 0; i < 200_000; i++) {
      random.nextBytes(window);
      // Give every sample the worst start: a JSON-looking opening.
      window[0] = '{';
      window[1] = '"';
      assertNull(AudioBodyCheck.rejectStart(ByteString.of(window), Encoding.PCM_S16LE));
    }
  }
}
