package dev.officehours;

import dev.officehours.errors.OfficeHoursException;

/**
 * A speech chunk whose synthesis failed even after its retry. The turn went on without its audio.
 *
 * @param chunkIndex the chunk
 * @param text its speakable text
 * @param error the last error
 */
public record SpeechFailure(int chunkIndex, String text, OfficeHoursException error) {}
