package dev.officehours.examples.bench;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** What every system under test asks for, so they all make the same requests. */
final class BenchSettings {
  static final String API_KEY = "sk-bench-simulated";
  static final String CHAT_MODEL = "officehours-simulated";
  static final String SPEECH_MODEL = "officehours-simulated-tts";
  static final String VOICE = "alloy";
  static final String SYSTEM_PROMPT = "You are a helpful voice assistant. Answer in short spoken sentences.";
  /** Syntheses in flight per turn, as OfficeHours' default. */
  static final int TTS_IN_FLIGHT = 3;

  private BenchSettings() {}

  /**
   * The threads a hand-written client runs its HTTP calls on, chosen as OfficeHours chooses them:
   * virtual threads on Java 21+, a cached pool of daemon threads on Java 17.
   */
  static ExecutorService httpThreads(String name) {
    try {
      return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
    } catch (ReflectiveOperationException e) {
      AtomicInteger n = new AtomicInteger();
      return Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, name + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
  }
}
