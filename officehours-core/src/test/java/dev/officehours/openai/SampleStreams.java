package dev.officehours.openai;

/**
 * Chat completion streams as real servers send them (shapes copied from their documentation and
 * captured traffic; ids and fingerprints made up). Each is the complete SSE body.
 */
final class SampleStreams {
  private SampleStreams() {}

  /** OpenAI: role-only first delta, usage null on every chunk but a usage-only last one. */
  static final String OPENAI = ""
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_0ba0d124f1\","
      + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there, \"},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"friend.\"},"
      + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
      + "\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
      + "data: {\"id\":\"chatcmpl-AbC1\",\"object\":\"chat.completion.chunk\",\"created\":1731400000,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
      + "\"completion_tokens\":4,\"total_tokens\":16,\"prompt_tokens_details\":{\"cached_tokens\":0,"
      + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
      + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
      + "data: [DONE]\n\n";

  /** Ollama's /v1 compatibility layer: the role repeated in every delta, an empty final delta. */
  static final String OLLAMA = ""
      + "data: {\"id\":\"chatcmpl-712\",\"object\":\"chat.completion.chunk\",\"created\":1731400001,"
      + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"role\":\"assistant\",\"content\":\"The\"},\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-712\",\"object\":\"chat.completion.chunk\",\"created\":1731400001,"
      + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"role\":\"assistant\",\"content\":\" sky is\"},\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-712\",\"object\":\"chat.completion.chunk\",\"created\":1731400001,"
      + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"role\":\"assistant\",\"content\":\" blue.\"},\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-712\",\"object\":\"chat.completion.chunk\",\"created\":1731400001,"
      + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}\n\n"
      + "data: {\"id\":\"chatcmpl-712\",\"object\":\"chat.completion.chunk\",\"created\":1731400001,"
      + "\"model\":\"llama3.2\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[],"
      + "\"usage\":{\"prompt_tokens\":26,\"completion_tokens\":5,\"total_tokens\":31}}\n\n"
      + "data: [DONE]\n\n";

  /** vLLM: stop_reason beside finish_reason, a usage-only last chunk. */
  static final String VLLM = ""
      + "data: {\"id\":\"chatcmpl-8f3c2a\",\"object\":\"chat.completion.chunk\",\"created\":1731400002,"
      + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
      + "\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-8f3c2a\",\"object\":\"chat.completion.chunk\",\"created\":1731400002,"
      + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
      + "\"Paris\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-8f3c2a\",\"object\":\"chat.completion.chunk\",\"created\":1731400002,"
      + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
      + "\" is the capital.\"},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n"
      + "data: {\"id\":\"chatcmpl-8f3c2a\",\"object\":\"chat.completion.chunk\",\"created\":1731400002,"
      + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[],\"usage\":{\"prompt_tokens\":40,"
      + "\"total_tokens\":46,\"completion_tokens\":6,\"prompt_tokens_details\":null}}\n\n"
      + "data: [DONE]\n\n";

  /** llama.cpp's server: content null in the first delta, usage and timings in the last chunk. */
  static final String LLAMA_CPP = ""
      + "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":\"assistant\","
      + "\"content\":null}}],\"created\":1731400003,\"id\":\"chatcmpl-Xy9\",\"model\":\"gpt-3.5-turbo\","
      + "\"system_fingerprint\":\"b4500-adc5dd92\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"Bon\"}}],"
      + "\"created\":1731400003,\"id\":\"chatcmpl-Xy9\",\"model\":\"gpt-3.5-turbo\","
      + "\"system_fingerprint\":\"b4500-adc5dd92\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"jour !\"}}],"
      + "\"created\":1731400003,\"id\":\"chatcmpl-Xy9\",\"model\":\"gpt-3.5-turbo\","
      + "\"system_fingerprint\":\"b4500-adc5dd92\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],\"created\":1731400003,"
      + "\"id\":\"chatcmpl-Xy9\",\"model\":\"gpt-3.5-turbo\",\"system_fingerprint\":\"b4500-adc5dd92\","
      + "\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":4,\"prompt_tokens\":18,"
      + "\"total_tokens\":22},\"timings\":{\"prompt_n\":18,\"prompt_ms\":21.5,\"prompt_per_token_ms\":1.19,"
      + "\"prompt_per_second\":837.2,\"predicted_n\":4,\"predicted_ms\":61.0,"
      + "\"predicted_per_token_ms\":15.25,\"predicted_per_second\":65.57}}\n\n"
      + "data: [DONE]\n\n";

  /**
   * Azure OpenAI: a first chunk with empty choices and prompt_filter_results (and empty model),
   * content_filter_results in every choice, CRLF line ends.
   */
  static final String AZURE = (""
      + "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
      + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{"
      + "\"filtered\":false,\"severity\":\"safe\"},\"jailbreak\":{\"filtered\":false,\"detected\":false},"
      + "\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,"
      + "\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}}}]}\n\n"
      + "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{\"content\":\"\",\"refusal\":null,"
      + "\"role\":\"assistant\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],"
      + "\"created\":1731400004,\"id\":\"chatcmpl-Az1\",\"model\":\"gpt-4o-mini-2024-07-18\","
      + "\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_04751d0b65\"}\n\n"
      + "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":"
      + "\"safe\"},\"self_harm\":{\"filtered\":false,\"severity\":\"safe\"},\"sexual\":{\"filtered\":false,"
      + "\"severity\":\"safe\"},\"violence\":{\"filtered\":false,\"severity\":\"safe\"}},\"delta\":{"
      + "\"content\":\"Office hours\"},\"finish_reason\":null,\"index\":0,\"logprobs\":null}],"
      + "\"created\":1731400004,\"id\":\"chatcmpl-Az1\",\"model\":\"gpt-4o-mini-2024-07-18\","
      + "\"object\":\"chat.completion.chunk\",\"system_fingerprint\":\"fp_04751d0b65\"}\n\n"
      + "data: {\"choices\":[{\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":"
      + "\"safe\"}},\"delta\":{\"content\":\" are open.\"},\"finish_reason\":null,\"index\":0,"
      + "\"logprobs\":null}],\"created\":1731400004,\"id\":\"chatcmpl-Az1\","
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"content_filter_results\":{},\"delta\":{},\"finish_reason\":\"stop\","
      + "\"index\":0,\"logprobs\":null}],\"created\":1731400004,\"id\":\"chatcmpl-Az1\","
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[],\"created\":1731400004,\"id\":\"chatcmpl-Az1\","
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"object\":\"chat.completion.chunk\","
      + "\"usage\":{\"completion_tokens\":5,\"prompt_tokens\":30,\"total_tokens\":35}}\n\n"
      + "data: [DONE]\n\n").replace("\n", "\r\n");

  private static String openAiChunk(String choice) {
    return "data: {\"id\":\"chatcmpl-T00l\",\"object\":\"chat.completion.chunk\",\"created\":1731400005,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\","
        + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[" + choice + "],\"usage\":null}\n\n";
  }

  private static final String USAGE_AND_DONE = ""
      + "data: {\"id\":\"chatcmpl-T00l\",\"object\":\"chat.completion.chunk\",\"created\":1731400005,"
      + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":80,"
      + "\"completion_tokens\":18,\"total_tokens\":98}}\n\n"
      + "data: [DONE]\n\n";

  /** OpenAI refusing (structured outputs): the text comes in {@code delta.refusal}, content null. */
  static final String OPENAI_REFUSAL = ""
      + openAiChunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"},"
          + "\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"refusal\":\"I'm sorry,\"},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"refusal\":\" I can't help with that.\"},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}")
      + USAGE_AND_DONE;

  /**
   * OpenAI calling one function: id, type and name in the first piece with empty arguments, the
   * arguments in pieces that split the JSON anywhere, finish_reason {@code tool_calls}.
   */
  static final String OPENAI_TOOL_CALL = ""
      + openAiChunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
          + "{\"index\":0,\"id\":\"call_DdmO9pD3xa9XTPNJ32zg2hcA\",\"type\":\"function\",\"function\":"
          + "{\"name\":\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"{\\\"\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"location\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"\\\":\\\"\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"Paris, France\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}")
      + USAGE_AND_DONE;

  /**
   * OpenAI calling two functions in parallel: each call starts with its own index and id; here
   * the pieces of the two calls interleave, which the format allows.
   */
  static final String OPENAI_PARALLEL_TOOL_CALLS = ""
      + openAiChunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
          + "{\"index\":0,\"id\":\"call_A1\",\"type\":\"function\",\"function\":"
          + "{\"name\":\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null},\"logprobs\":null,"
          + "\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"{\\\"city\\\": \"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_B2\","
          + "\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]},"
          + "\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":"
          + "{\"arguments\":\"{\\\"zone\\\": \\\"CET\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
          + "{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}")
      + openAiChunk("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}")
      + USAGE_AND_DONE;

  /**
   * A compatibility layer that sends every call whole, in its own chunk and without an index
   * (as Gemini's OpenAI endpoint has done).
   */
  static final String WHOLE_TOOL_CALLS_WITHOUT_INDEX = ""
      + "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"function\":"
      + "{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\",\"name\":\"get_weather\"},\"id\":\"function-call-1\","
      + "\"type\":\"function\"}]},\"index\":0}],\"created\":1731400006,\"model\":\"gemini-2.0-flash\","
      + "\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"function\":"
      + "{\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\",\"name\":\"get_weather\"},\"id\":\"function-call-2\","
      + "\"type\":\"function\"}]},\"finish_reason\":\"tool_calls\",\"index\":0}],\"created\":1731400006,"
      + "\"model\":\"gemini-2.0-flash\",\"object\":\"chat.completion.chunk\"}\n\n"
      + "data: [DONE]\n\n";

  /** One chunk with a content delta. */
  static String delta(String content) {
    return "data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n";
  }

  /** One chunk with a finish reason. */
  static String finish(String reason) {
    return "data: {\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}\n\n";
  }

  static final String DONE = "data: [DONE]\n\n";
}
