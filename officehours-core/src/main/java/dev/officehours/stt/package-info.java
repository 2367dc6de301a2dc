/** The speech-to-text SPI: {@link dev.officehours.stt.SttProvider} turns recorded audio into text. */
package dev.officehours.stt;
