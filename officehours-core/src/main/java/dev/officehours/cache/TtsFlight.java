package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache key's lookup and, on a miss, its one synthesis, shared by every request for that key
 * that arrives meanwhile (single-flight). A joiner gets the bytes produced so far at once and the
 * live bytes as they arrive. The synthesis is cancelled only when every subscriber has cancelled;
 * only a complete synthesis is stored.
 */
final class TtsFlight {
  private static final Logger log = LoggerFactory.getLogger(TtsFlight.class);
  static final int REPLAY_PIECE_BYTES = 32 * 1024;

  /** LOOKUP: asking the store; LIVE: synthesising; STORING: complete, being stored; DONE. */
  private enum State { LOOKUP, LIVE, STORING, DONE }

  private final TtsCache cache;
  private final TtsProvider delegate;
  private final PipelineObserver observer;
  private final ConcurrentMap<String, TtsFlight> flights;
  private final String key;
  private final SpeechRequest request;

  private final List<SerialSink> subscribers = new ArrayList<>();
  private final ByteArrayOutputStream produced = new ByteArrayOutputStream();
  private State state = State.LOOKUP;
  private TtsCall call;

  TtsFlight(TtsCache cache, TtsProvider delegate, PipelineObserver observer,
      ConcurrentMap<String, TtsFlight> flights, String key, SpeechRequest request) {
    this.cache = cache;
    this.delegate = delegate;
    this.observer = observer;
    this.flights = flights;
    this.key = key;
    this.request = request;
  }

  /** The first subscriber, which also starts the lookup. */
  SerialSink lead(AudioSink sink) {
    SerialSink s = new SerialSink(sink, cache.executor(), this);
    synchronized (this) {
      subscribers.add(s);
    }
    CompletableFutures.guard(() -> cache.store().get(key)).whenComplete(this::onLookup);
    return s;
  }

  /** Joins a flight in progress; empty when it has already ended (the caller starts a new one). */
  synchronized Optional<SerialSink> join(AudioSink sink) {
    if (state == State.DONE) {
      return Optional.empty();
    }
    SerialSink s = new SerialSink(sink, cache.executor(), this);
    s.cacheHit();
    if (state == State.STORING) {
      // complete but not yet in the store: serve the finished audio rather than synthesise again
      replay(s, produced.toByteArray());
      s.complete();
      return Optional.of(s);
    }
    if (produced.size() > 0) {
      s.audio(produced.toByteArray());
    }
    subscribers.add(s);
    return Optional.of(s);
  }

  private void onLookup(Optional<byte[]> found, Throwable error) {
    synchronized (this) {
      if (state != State.LOOKUP) {
        return; // every subscriber cancelled during the lookup
      }
      if (error == null && found != null && found.isPresent()) {
        observer.cacheHit("tts");
        state = State.DONE;
        flights.remove(key, this);
        byte[] audio = found.get();
        for (SerialSink s : subscribers) {
          s.cacheHit();
          replay(s, audio);
          s.complete();
        }
        subscribers.clear();
        return;
      }
      if (error != null) {
        observer.cacheError("tts");
        log.debug("TTS cache lookup failed; synthesising", error);
      } else {
        observer.cacheMiss("tts");
      }
      state = State.LIVE;
    }
    TtsCall started;
    try {
      started = delegate.synthesize(request, new Live());
    } catch (RuntimeException e) {
      fail(e instanceof OfficeHoursException oe ? oe
          : ProviderException.builder(OfficeHoursException.Stage.TTS, "TTS provider threw: " + e)
              .cause(e).build());
      return;
    }
    boolean cancelNow;
    synchronized (this) {
      call = started;
      cancelNow = state == State.DONE && subscribers.isEmpty();
    }
    if (cancelNow) {
      started.cancel();
    }
  }

  private void replay(SerialSink s, byte[] audio) {
    int piece = REPLAY_PIECE_BYTES - REPLAY_PIECE_BYTES % request.format().frameSize();
    for (int from = 0; from < audio.length; from += piece) {
      int to = Math.min(audio.length, from + piece);
      s.audio(java.util.Arrays.copyOfRange(audio, from, to));
    }
  }

  void unsubscribe(SerialSink s) {
    TtsCall toCancel = null;
    synchronized (this) {
      if (!subscribers.remove(s) || !subscribers.isEmpty()
          || state == State.DONE || state == State.STORING) {
        return;
      }
      state = State.DONE;
      flights.remove(key, this);
      toCancel = call;
    }
    if (toCancel != null) {
      toCancel.cancel();
    }
  }

  private void fail(OfficeHoursException e) {
    synchronized (this) {
      if (state != State.LIVE) {
        return;
      }
      state = State.DONE;
      flights.remove(key, this);
      for (SerialSink s : subscribers) {
        s.error(e);
      }
      subscribers.clear();
    }
  }

  private static boolean audio(int bytes) {
    return bytes > 0;
  }

  /** The delegate's callbacks. */
  private final class Live implements AudioSink {
    @Override
    public void onAudio(byte[] audio) {
      synchronized (TtsFlight.this) {
        if (state != State.LIVE || audio.length == 0) {
          return;
        }
        produced.write(audio, 0, audio.length);
        for (int i = 0; i < subscribers.size(); i++) {
          subscribers.get(i).audio(i == 0 ? audio : audio.clone());
        }
      }
    }

    @Override
    public void onComplete() {
      byte[] audio;
      synchronized (TtsFlight.this) {
        if (state != State.LIVE) {
          return;
        }
        state = audio(produced.size()) ? State.STORING : State.DONE;
        audio = produced.toByteArray();
        for (SerialSink s : subscribers) {
          s.complete();
        }
        subscribers.clear();
      }
      if (audio.length > 0) {
        CompletableFutures.guard(() -> cache.store().put(key, audio, cache.ttl()))
            .whenComplete((v, e) -> {
              if (e != null) {
                observer.cacheError("tts");
                log.debug("TTS cache write failed; audio not stored", e);
              }
              synchronized (TtsFlight.this) {
                state = State.DONE;
              }
              flights.remove(key, TtsFlight.this);
            });
      } else {
        flights.remove(key, TtsFlight.this);
      }
    }

    @Override
    public void onError(OfficeHoursException error) {
      fail(error);
    }
  }
}
