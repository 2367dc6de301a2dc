/**
 * Providers for any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp,
 * Groq, ...): streaming chat completions, speech synthesis and transcription, over one shared
 * OkHttp client.
 */
package dev.officehours.openai;
