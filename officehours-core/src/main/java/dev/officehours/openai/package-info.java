/**
 * Providers for any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp,
 * Groq, ...): {@link dev.officehours.openai.OpenAiChat} streams chat completions,
 * {@link dev.officehours.openai.OpenAiSpeech} synthesises speech and
 * {@link dev.officehours.openai.OpenAiTranscription} transcribes it. Each is configured from the
 * environment ({@code fromEnvironment()}) or a builder, and by default all share one OkHttp client.
 */
package dev.officehours.openai;
