package dev.officehours.cache;

import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TtsProvider} reading through a {@link TtsCache}, one synthesis per missing key. */
final class CachingTtsProvider implements TtsProvider {
  private final TtsCache cache;
  private final TtsProvider delegate;
  private final PipelineObserver observer;
  private final ConcurrentHashMap<String, TtsFlight> flights = new ConcurrentHashMap<>();

  CachingTtsProvider(TtsCache cache, TtsProvider delegate, PipelineObserver observer) {
    this.cache = cache;
    this.delegate = Objects.requireNonNull(delegate, "provider");
    this.observer = new GuardedObserver(Objects.requireNonNull(observer, "observer"));
  }

  @Override
  public String id() {
    return delegate.id();
  }

  @Override
  public SpeechRequest request(String text) {
    return delegate.request(text);
  }

  @Override
  public int maxInputChars() {
    return delegate.maxInputChars();
  }

  @Override
  public TtsCall synthesize(SpeechRequest request, AudioSink sink) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(sink, "sink");
    String key = cache.key(delegate.id(), request);
    while (true) {
      TtsFlight flight = flights.get(key);
      if (flight == null) {
        TtsFlight created = new TtsFlight(cache, delegate, observer, flights, key, request);
        flight = flights.putIfAbsent(key, created);
        if (flight == null) {
          return created.lead(sink);
        }
      }
      Optional<SerialSink> joined = flight.join(sink);
      if (joined.isPresent()) {
        observer.cacheHit("tts");
        return joined.get();
      }
      flights.remove(key, flight); // it ended meanwhile: start afresh
    }
  }

  /** Keys with a lookup or synthesis in flight now (for tests). */
  int flightsInProgress() {
    return flights.size();
  }

  @Override
  public String toString() {
    return "CachingTtsProvider[" + delegate.id() + "]";
  }
}
