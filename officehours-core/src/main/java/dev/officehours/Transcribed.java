package dev.officehours;

import java.time.Duration;

/**
 * What the user said in a turn started from audio ({@link ConversationPipeline#startFromAudio}):
 * the transcript the answer is for. It is the turn's first event; the answer follows.
 *
 * @param turnId the turn
 * @param text the transcript, as stored in history as the user's message; never blank
 * @param language the language the provider detected or was given, empty when unknown
 * @param duration how long the transcription took (speech-to-text latency)
 */
public record Transcribed(String turnId, String text, String language, Duration duration)
    implements TurnEvent {}
