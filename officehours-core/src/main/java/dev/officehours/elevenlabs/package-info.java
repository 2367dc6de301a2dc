/**
 * ElevenLabs text to speech: {@link dev.officehours.elevenlabs.ElevenLabsSpeech} streams audio
 * with the timing of every character over {@code POST /v1/text-to-speech/{voice_id}/stream/with-timestamps}
 * and reports them as word timings with the audio. Configured from the environment ({@code
 * fromEnvironment()}) or a builder; by default it shares the OkHttp client of the other providers.
 */
package dev.officehours.elevenlabs;
