package dev.officehours.cache;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.metrics.PipelineObserver;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.TtsProvider;
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
 *
 * <p>Memory is bounded against a provider that sends far more audio than a sentence needs: the
 * flight keeps at most {@link TtsCache#maxEntryBytes()} (past it, it keeps nothing, stores
 * nothing and takes no more joiners, who then start their own synthesis), and the provider's
 * thread waits in {@code onAudio}, outside the flight's lock, while any subscriber has more than
 * {@link TtsCache#maxQueuedBytes()} of live audio it has not yet taken.
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
  /** The audio so far, in the provider's pieces; owned here, never handed to a sink. */
  private final List<byte[]> produced = new ArrayList<>();
  private long producedBytes;
  /** False once the audio outgrew maxEntryBytes: then nothing is kept, stored or joined. */
  private boolean keeping = true;
  /** STORING: the whole audio, being stored and replayed to late joiners. */
  private byte[] complete;
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
    if (state == State.DONE || !keeping) {
      return Optional.empty(); // an oversized flight no longer has the beginning of its audio
    }
    SerialSink s = new SerialSink(sink, cache.executor(), this);
    s.cacheHit();
    if (state == State.STORING) {
      // complete but not yet in the store: serve the finished audio rather than synthesise again
      replay(s, complete);
      s.complete();
      return Optional.of(s);
    }
    for (byte[] piece : produced) {
      s.replay(piece);
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
    s.replay(audio, REPLAY_PIECE_BYTES - REPLAY_PIECE_BYTES % request.format().frameSize());
  }

  /** Drops the kept audio (under the lock): the flight ended, or its audio is too large. */
  private void forget() {
    produced.clear();
    producedBytes = 0;
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
      forget();
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
      forget();
      for (SerialSink s : subscribers) {
        s.error(e);
      }
      subscribers.clear();
    }
  }

  /** The delegate's callbacks. */
  private final class Live implements AudioSink {
    @Override
    public void onAudio(byte[] audio) {
      SerialSink[] listening;
      synchronized (TtsFlight.this) {
        if (state != State.LIVE || audio.length == 0) {
          return;
        }
        if (keeping && producedBytes + audio.length > cache.maxEntryBytes()) {
          stopKeeping(producedBytes + audio.length);
        }
        if (keeping) {
          produced.add(audio);
          producedBytes += audio.length;
        }
        listening = subscribers.toArray(new SerialSink[0]);
        for (int i = 0; i < listening.length; i++) {
          // the kept array is never handed to a sink, which may change what it is given
          listening[i].audio(i == 0 && !keeping ? audio : audio.clone());
        }
      }
      // Outside the lock, so cancels, joins and the other subscribers' deliveries go on. A
      // provider reading a socket on this thread stops reading, and TCP pushes back.
      for (SerialSink s : listening) {
        s.awaitRoom(cache.maxQueuedBytes());
      }
    }

    /** Under the lock: the audio outgrew the entry limit. */
    private void stopKeeping(long bytes) {
      keeping = false;
      forget();
      flights.remove(key, TtsFlight.this); // later requests start a synthesis of their own
      log.debug("TTS audio for one request passed {} bytes (maxEntryBytes = {}); not cached",
          bytes, cache.maxEntryBytes());
    }

    @Override
    public void onComplete() {
      byte[] audio;
      synchronized (TtsFlight.this) {
        if (state != State.LIVE) {
          return;
        }
        audio = keeping && producedBytes > 0 ? concat() : null;
        forget();
        complete = audio;
        state = audio != null ? State.STORING : State.DONE;
        for (SerialSink s : subscribers) {
          s.complete();
        }
        subscribers.clear();
      }
      if (audio == null) {
        flights.remove(key, TtsFlight.this);
        return;
      }
      CompletableFutures.guard(() -> cache.store().put(key, audio, cache.ttl()))
          .whenComplete((v, e) -> {
            if (e != null) {
              observer.cacheError("tts");
              log.debug("TTS cache write failed; audio not stored", e);
            }
            synchronized (TtsFlight.this) {
              state = State.DONE;
              complete = null;
            }
            flights.remove(key, TtsFlight.this);
          });
    }

    private byte[] concat() {
      byte[] all = new byte[(int) producedBytes];
      int at = 0;
      for (byte[] piece : produced) {
        System.arraycopy(piece, 0, all, at, piece.length);
        at += piece.length;
      }
      return all;
    }

    @Override
    public void onError(OfficeHoursException error) {
      fail(error);
    }
  }
}
