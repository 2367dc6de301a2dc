/**
 * The language-model SPI: {@link dev.officehours.llm.LlmProvider} streams a chat completion as
 * tokens, and its value types describe the request ({@link dev.officehours.llm.ChatRequest},
 * {@link dev.officehours.llm.ChatMessage}, content parts) and the outcome.
 */
package dev.officehours.llm;
