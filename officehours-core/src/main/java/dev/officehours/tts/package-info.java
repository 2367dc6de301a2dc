/**
 * The text-to-speech SPI: {@link dev.officehours.tts.TtsProvider} turns a
 * {@link dev.officehours.tts.SpeechRequest} into audio bytes streamed to an
 * {@link dev.officehours.tts.AudioSink}, in an {@link dev.officehours.tts.AudioFormat}.
 */
package dev.officehours.tts;
