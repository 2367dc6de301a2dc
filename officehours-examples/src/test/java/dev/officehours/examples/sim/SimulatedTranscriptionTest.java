package dev.officehours.examples.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.officehours.examples.audio.Wav;
import dev.officehours.openai.OpenAiTranscription;
import dev.officehours.stt.Transcript;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The simulated {@code POST /v1/audio/transcriptions}, reached by the real OpenAiTranscription. */
class SimulatedTranscriptionTest {
  private static final SimulatedOpenAiServer SIM = SimulatedOpenAiServer.start();
  private static final OpenAiTranscription STT = OpenAiTranscription.builder().baseUrl(SIM.baseUrl())
      .model(SimulatedOpenAiServer.MODEL + "-transcribe").build();

  @AfterAll
  static void stop() {
    SIM.close();
  }

  /** One second of silence at 16 kHz, 16-bit mono. */
  private static byte[] silence() {
    return new byte[32_000];
  }

  private static Transcript transcribe(byte[] audio, String type) throws Exception {
    return STT.transcribe(audio, type).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aWavLabelledByOurToolingIsHeardAsItsLabel() throws Exception {
    byte[] wav = Wav.labelled(silence(), 16_000, 1, "When are office hours tomorrow?");
    assertEquals("When are office hours tomorrow?", transcribe(wav, "audio/wav").text());
  }

  @Test
  void theSameRecordingIsAlwaysHeardTheSame() throws Exception {
    byte[] wav = Wav.labelled(silence(), 16_000, 1, "Is the lab open on Saturday?");
    assertEquals(transcribe(wav, "audio/wav"), transcribe(wav, "audio/wav"));
  }

  @Test
  void anUnlabelledWavIsASimulatedTranscriptWithItsDuration() throws Exception {
    byte[] wav = new byte[44 + 48_000];
    System.arraycopy(Wav.header(48_000, 16_000, 1), 0, wav, 0, 44);
    assertEquals("This is a simulated transcript of 1.5 seconds of audio.", transcribe(wav, "audio/wav").text());
  }

  @Test
  void otherAudioIsAFixedSimulatedTranscript() throws Exception {
    byte[] webm = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 1, 2, 3};
    assertEquals(SimulatedTranscription.OTHER_AUDIO, transcribe(webm, "audio/webm").text());
  }

  @Test
  void theResponseIsLabelledSimulatedAndEchoesTheLanguage() throws Exception {
    byte[] wav = Wav.labelled(silence(), 16_000, 1, "Hello");
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("file", "audio.wav", RequestBody.create(wav, MediaType.get("audio/wav")))
        .addFormDataPart("model", "whisper-1").addFormDataPart("language", "en").build();
    try (Response r = new OkHttpClient().newCall(new Request.Builder()
        .url(SIM.baseUrl() + "/audio/transcriptions").post(form).build()).execute()) {
      assertEquals(200, r.code());
      assertEquals("true", r.header(SimulatedOpenAiServer.SIMULATED_HEADER));
      JsonNode json = new ObjectMapper().readTree(r.body().string());
      assertEquals("Hello", json.path("text").asText());
      assertEquals("en", json.path("language").asText());
      assertTrue(json.path("simulated").asBoolean());
      assertEquals(1.0, json.path("duration").asDouble(), 1e-9);
    }
  }

  @Test
  void aFormWithoutAFileIsRefusedAsOpenAiWould() throws Exception {
    RequestBody form = new MultipartBody.Builder().setType(MultipartBody.FORM)
        .addFormDataPart("model", "whisper-1").build();
    try (Response r = new OkHttpClient().newCall(new Request.Builder()
        .url(SIM.baseUrl() + "/audio/transcriptions").post(form).build()).execute()) {
      assertEquals(400, r.code());
      JsonNode error = new ObjectMapper().readTree(r.body().string()).path("error");
      assertEquals("invalid_request_error", error.path("type").asText());
      assertEquals("missing_file", error.path("code").asText());
    }
  }

  @Test
  void wavLabelsSurviveOddLengthsAndUnicode() {
    byte[] wav = Wav.labelled(new byte[3], 8_000, 1, "Où est la salle ? ");
    Wav.Info info = Wav.read(wav).orElseThrow();
    assertEquals("Où est la salle ?", info.label());
    assertEquals(3, info.dataBytes());
    assertEquals(8_000, info.sampleRate());
  }
}
