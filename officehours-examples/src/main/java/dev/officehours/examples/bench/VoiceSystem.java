package dev.officehours.examples.bench;

/**
 * One way to turn a question into spoken audio, as the benchmark compares them. A turn is started
 * and reports to its probe; no thread of the benchmark waits for it.
 */
interface VoiceSystem extends AutoCloseable {
  /** A short id for tables and charts: "a", "b", "b-tts", "c", "z". */
  String id();

  /** What it is, one line. */
  String label();

  /**
   * Starts one turn.
   *
   * @param question the user's question
   * @param probe receives the first audio, every audio byte count, and exactly one end
   */
  void turn(String question, TurnProbe probe);

  @Override
  void close();
}
