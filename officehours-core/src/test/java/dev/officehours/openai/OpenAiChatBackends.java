package dev.officehours.openai;

import dev.officehours.testkit.LlmBackend;
import java.io.IOException;

/** Lets tests in other packages reuse the OpenAI chat contract backend. */
public final class OpenAiChatBackends {
  private OpenAiChatBackends() {}

  /**
   * A scripted {@code /chat/completions} server and an {@code OpenAiChat} pointed at it.
   *
   * @return the backend; close it when done
   * @throws IOException when the loopback server cannot start
   */
  public static LlmBackend start() throws IOException {
    return new OpenAiChatContractTest.ChatCompletionsBackend();
  }
}
