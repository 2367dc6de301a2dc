package dev.officehours.openai;

import dev.officehours.testkit.TtsBackend;
import java.io.IOException;

/** Lets tests in other packages reuse the OpenAI speech contract backend. */
public final class OpenAiSpeechBackends {
  private OpenAiSpeechBackends() {}

  /**
   * A scripted {@code /audio/speech} server and an {@code OpenAiSpeech} pointed at it.
   *
   * @return the backend; close it when done
   * @throws IOException when the loopback server cannot start
   */
  public static TtsBackend start() throws IOException {
    return new OpenAiSpeechContractTest.SpeechBackend();
  }
}
