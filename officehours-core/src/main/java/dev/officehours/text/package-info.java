/**
 * From an LLM token stream to speakable pieces: {@link dev.officehours.text.SpeechChunker} cuts
 * the stream as early as prosody allows, {@link dev.officehours.text.SpeakableText} removes what
 * must not be read aloud (markdown, code, emoji, URL noise).
 */
package dev.officehours.text;
