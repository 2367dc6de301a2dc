/**
 * The speech-to-text SPI: {@link dev.officehours.stt.SttProvider} turns one recorded utterance
 * into a {@link dev.officehours.stt.Transcript}. A pipeline given one ({@code
 * ConversationPipeline.Builder.stt}) answers recorded speech ({@code
 * ConversationPipeline.startFromAudio}); it can also be called on its own.
 */
package dev.officehours.stt;
