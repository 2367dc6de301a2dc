package dev.officehours.llm;

/**
 * A streaming language model. Implementations must not block the calling thread on the network:
 * {@link #stream} starts the call and returns; results arrive on the {@link LlmListener}.
 *
 * <p>The built-in implementation is {@code dev.officehours.openai.OpenAiChat}, which speaks to any
 * OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp, Groq, ...).
 */
public interface LlmProvider {

  /**
   * A short stable id of this provider and its endpoint, used in cache keys and metrics tags.
   *
   * @return the id, the same for every call; must not contain secrets
   */
  String id();

  /**
   * The model used when a request names none.
   *
   * @return the model name
   */
  String defaultModel();

  /**
   * Starts streaming a completion.
   *
   * @param request what to complete
   * @param listener receives the tokens and exactly one terminal callback
   * @return a handle to cancel the call
   */
  LlmCall stream(ChatRequest request, LlmListener listener);
}
