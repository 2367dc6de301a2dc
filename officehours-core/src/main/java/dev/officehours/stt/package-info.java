/**
 * The speech-to-text SPI: {@link dev.officehours.stt.SttProvider} turns one recorded utterance
 * into a {@link dev.officehours.stt.Transcript}. The pipeline itself takes text; this is for
 * callers that receive speech.
 */
package dev.officehours.stt;
