package dev.officehours.jmh;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The inputs of the JMH micro-benchmarks: one realistic spoken answer of 64 words, the tokens an
 * LLM streams it in, and the event streams that carry it. Shared so that every benchmark of a
 * turn's hot path measures the same turn.
 */
public final class Workloads {
  private Workloads() {}

  /** A typical voice-assistant answer: 64 words, 4 sentences, plain prose. */
  public static final String ANSWER_64_WORDS = "Sure! The quickest way to reset your password is"
      + " from the sign-in page. Click \"Forgot password\", enter the email address on your"
      + " account, and we will send you a link within a minute or two. The link stays valid for"
      + " 30 minutes. If it does not arrive, check your spam folder, or ask me to resend it."
      + " Anything else I can help you with?";

  /**
   * An answer in the markdown an LLM writes when the system prompt does not forbid it: a heading,
   * a numbered list with bold and a URL, a fenced code block, a link and an emoji.
   */
  public static final String MARKDOWN_ANSWER = """
      Sure, I can help with that! Here is a quick overview of the options, e.g. the basic plan vs. \
      the premium plan. The basic plan costs $9.99 per month and includes 1,000 minutes; the premium \
      plan costs $29.99 and has no limits at all. Dr. Smith from support (bob@mail.example.org) says \
      most teams start small.

      ## How to upgrade
      1. Open https://example.com/account/settings?tab=billing in your browser.
      2. Click **Upgrade** — it takes about 3.5 seconds.
      3. Confirm with your password, see [the billing docs](https://docs.example.com/billing).

      ```bash
      curl -X POST https://api.example.com/v1/upgrade -d '{"plan": "premium"}'
      ```

      That is all there is to it... If anything goes wrong, call us at 9 a.m. or later. \
      Have a great day! 🎉
      """;

  /** The number of content tokens in {@link #ANSWER_TOKENS}. */
  public static final int TOKENS = 64;

  /**
   * {@link #ANSWER_64_WORDS} as an LLM streams it: each token a word with the space in front of
   * it, as OpenAI's tokenizer cuts most English prose.
   */
  public static final List<String> ANSWER_TOKENS = perWord(ANSWER_64_WORDS);

  /**
   * Events in {@link #OPENAI_CHAT_STREAM}: a role-only first chunk, {@value #TOKENS} content
   * chunks, the finish chunk, the usage-only chunk ({@code include_usage}) and {@code [DONE]}.
   */
  public static final int OPENAI_CHAT_STREAM_EVENTS = TOKENS + 4;

  /**
   * The body of an OpenAI chat completion stream of {@link #ANSWER_TOKENS}, byte for byte as
   * api.openai.com sends it (ids and fingerprints made up).
   */
  public static final byte[] OPENAI_CHAT_STREAM = openAiChatStream(ANSWER_TOKENS);

  /** Events in {@link #SPEECH_AUDIO_STREAM}: 16 audio deltas and the done event. */
  public static final int SPEECH_AUDIO_STREAM_EVENTS = 17;

  /** Characters of base64 audio in each delta of {@link #SPEECH_AUDIO_STREAM}. */
  public static final int SPEECH_AUDIO_DELTA_CHARS = 32 * 1024;

  /**
   * Large events: a speech stream in OpenAI's {@code stream_format: "sse"} shape, each event one
   * {@code speech.audio.delta} with 32 KiB of base64 audio (about a third of a second of 24 kHz
   * PCM), so every line spans several network reads.
   */
  public static final byte[] SPEECH_AUDIO_STREAM = speechAudioStream();

  private static List<String> perWord(String text) {
    List<String> tokens = new ArrayList<>();
    int from = 0;
    for (int k = 1; k < text.length(); k++) {
      if (text.charAt(k) != ' ' && text.charAt(k - 1) == ' ') {
        tokens.add(text.substring(from, k - 1));
        from = k - 1;
      }
    }
    tokens.add(text.substring(from));
    if (tokens.size() != TOKENS) {
      throw new IllegalStateException("the answer must be " + TOKENS + " tokens but was "
          + tokens.size());
    }
    return Collections.unmodifiableList(tokens);
  }

  private static byte[] openAiChatStream(List<String> tokens) {
    String head = "data: {\"id\":\"chatcmpl-BqL7pRnA2x9dK3mVw5ZyT1sE8uGh\",\"object\":"
        + "\"chat.completion.chunk\",\"created\":1751900000,\"model\":\"gpt-4o-mini-2024-07-18\","
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_34a54ae93c\",\"choices\":[";
    StringBuilder sse = new StringBuilder();
    sse.append(head).append("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
        + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    for (String token : tokens) {
      sse.append(head).append("{\"index\":0,\"delta\":{\"content\":\"")
          .append(token.replace("\\", "\\\\").replace("\"", "\\\""))
          .append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
    }
    sse.append(head).append("{\"index\":0,\"delta\":{},\"logprobs\":null,"
        + "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
    sse.append(head).append("],\"usage\":{\"prompt_tokens\":412,\"completion_tokens\":64,"
        + "\"total_tokens\":476,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
        + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n");
    sse.append("data: [DONE]\n\n");
    return sse.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] speechAudioStream() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder sse = new StringBuilder();
    long state = 42;
    for (int e = 0; e < SPEECH_AUDIO_STREAM_EVENTS - 1; e++) {
      sse.append("event: speech.audio.delta\n")
          .append("data: {\"type\":\"speech.audio.delta\",\"audio\":\"");
      for (int i = 0; i < SPEECH_AUDIO_DELTA_CHARS; i++) {
        state = state * 6364136223846793005L + 1442695040888963407L; // LCG: same bytes every run
        sse.append(alphabet.charAt((int) (state >>> 58)));
      }
      sse.append("\"}\n\n");
    }
    sse.append("event: speech.audio.done\n")
        .append("data: {\"type\":\"speech.audio.done\",\"usage\":{\"input_tokens\":14,"
            + "\"output_tokens\":101,\"total_tokens\":115}}\n\n");
    return sse.toString().getBytes(StandardCharsets.UTF_8);
  }
}
