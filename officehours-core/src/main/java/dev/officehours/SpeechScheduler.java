package dev.officehours;

import dev.officehours.errors.LimitExceededException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.errors.ProviderException;
import dev.officehours.internal.BufferBudget;
import dev.officehours.internal.ReorderBuffer;
import dev.officehours.text.SpeakableText;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.AudioSink;
import dev.officehours.tts.SpeechRequest;
import dev.officehours.tts.TtsCall;
import dev.officehours.tts.WordTiming;
import dev.officehours.tts.TtsProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speech of one turn: cuts chunks to what the TTS provider accepts, starts their syntheses
 * (several in flight, no further ahead of playback than the speech lookahead), keeps each within
 * its time and size budget, retries a chunk once when nothing retried it yet, and puts the audio
 * back in chunk order. Confined to the turn's mailbox, like the turn itself; only the set of calls
 * is touched from other threads, so that a cancel stops the network at once.
 */
final class SpeechScheduler implements ReorderBuffer.Output<SpeechScheduler.Piece> {
  /**
   * The logger of a chunk's speech failures ({@value #SPEECH_LOGGER}), apart from the pipeline's
   * own: the turn reports them in {@code TurnResult.speechFailures()} too, so an app that shows
   * them itself (the chat CLI) can set this logger to error and keep the pipeline's warnings.
   */
  static final String SPEECH_LOGGER = "dev.officehours.speech";

  private static final Logger log = LoggerFactory.getLogger(SPEECH_LOGGER);
  /** Speech runs at about 16 characters a second: a chunk's length before its audio tells. */
  static final long NANOS_PER_CHAR = 62_500_000L;

  /** One speech chunk and how its synthesis goes. */
  static final class Chunk {
    final int index;
    final String speakable;
    final int rawStart;
    final int rawEnd;
    AudioFormat format;
    long maxBytes;
    TtsCall call;
    PipelineClock.Timer timer;
    volatile int attempt;
    int framesDelivered;
    long firstStartNanos;
    long attemptStartNanos;
    long bytes;
    long deliveredBytes;
    /** The attempt whose provider has sent audio, seen on the provider's thread. */
    volatile int sawAudioAttempt;
    /** The attempt whose provider waits for room in the turn's buffer (we are the bottleneck). */
    volatile int waitingAttempt;
    /**
     * Time the current attempt's provider has spent waiting for room (for the listener), which
     * the chunk's total budget does not count. Written on the provider's thread before
     * {@link #waitingAttempt} is cleared, so a timer that sees the wait over sees its length.
     */
    final AtomicLong waitedNanos = new AtomicLong();
    /** Set when the chunk is given up, so a provider waiting for room stops waiting. */
    volatile boolean abandoned;
    /** The provider said the chunk's audio is complete (seen on its thread, even while ending). */
    volatile boolean providerDone;
    boolean failed;
    /** Audio received while the chunk was not yet the head, kept until it is. */
    long keptBytes;
    boolean fromCache;
    boolean ended;
    /** The pipeline estimated this chunk's word timings (its provider reported none). */
    boolean estimatedWords;
    /** The provider whose audio this attempt brings, when a chain named it. */
    String provider;

    Chunk(int index, String speakable, int rawStart, int rawEnd) {
      this.index = index;
      this.speakable = speakable;
      this.rawStart = rawStart;
      this.rawEnd = rawEnd;
    }
  }

  private final PipelineTurn turn;
  private final PipelineEngine engine;
  private final BufferBudget budget;
  private final ReorderBuffer<Piece> order = new ReorderBuffer<>(this);
  private final List<Chunk> chunks = new ArrayList<>();
  private final Set<TtsCall> calls = ConcurrentHashMap.newKeySet();
  private final List<SpeechFailure> failures = new ArrayList<>();
  private int rawConsumed;
  private int nextToStart;
  private int inFlight;
  private int cacheHits;
  private int retries;
  private long audioBytes;
  private long firstAudioAt = -1;
  private long deliveredNanos;
  private PipelineClock.Timer lookaheadCheck;
  private boolean waitingForPlayback;
  /** Since when synthesis waits for playback (-1: it does not), and how long it waited before. */
  private long pauseStart = -1;
  private long pausedNanos;
  /** Characters and audio of the chunks that ended with all their PCM: the speaking rate. */
  private long ratedChars;
  private long ratedNanos;

  /**
   * Audio of a chunk on its way to the listener, with the word timings its provider reported
   * with it ({@code null}: the provider reports none).
   */
  record Piece(byte[] audio, List<WordTiming> words) {}
  /**
   * The TTS provider as this turn sees it: a fallback chain keeps one voice per turn through it.
   * Asked for once per turn (the SPI's per-turn view), so no provider needs to map turn ids.
   */
  private final TtsProvider tts;
  /** The providers whose audio was delivered, in the order each first spoke. */
  private final java.util.LinkedHashSet<String> providers = new java.util.LinkedHashSet<>();

  SpeechScheduler(PipelineTurn turn, PipelineEngine engine, BufferBudget budget) {
    this.turn = turn;
    this.engine = engine;
    this.budget = budget;
    this.tts = engine.tts.forTurn();
  }

  // ------------------------------------------------------------------ chunks in

  /** A raw chunk from the chunker; its place in the answer text follows the ones before it. */
  void onChunk(String raw) {
    int rawStart = rawConsumed;
    rawConsumed += raw.length();
    String speakable = SpeakableText.clean(raw);
    if (speakable.isEmpty()) {
      return;
    }
    List<String> pieces = splitForProvider(speakable, engine.tts.maxInputChars());
    for (int i = 0; i < pieces.size(); i++) {
      // Pieces of one over-long chunk share its raw text in proportion to their length.
      int from = rawStart + (int) ((long) raw.length() * i / pieces.size());
      int to = rawStart + (int) ((long) raw.length() * (i + 1) / pieces.size());
      chunks.add(new Chunk(order.open(), pieces.get(i), from, to));
    }
    startSyntheses();
  }

  /**
   * A filler phrase spoken while tools run: a chunk like any other, in order, but with no place
   * in the answer text (so what the user heard of the answer is unchanged by it).
   */
  void onFiller(String phrase) {
    String speakable = SpeakableText.clean(phrase);
    if (speakable.isEmpty()) {
      return;
    }
    for (String piece : splitForProvider(speakable, engine.tts.maxInputChars())) {
      chunks.add(new Chunk(order.open(), piece, rawConsumed, rawConsumed));
    }
    startSyntheses();
  }

  /**
   * Cuts {@code text} into pieces the provider accepts: at the last whitespace within the limit,
   * else at the limit itself, never inside a surrogate pair.
   */
  static List<String> splitForProvider(String text, int maxChars) {
    int max = Math.max(1, maxChars);
    if (text.length() <= max) {
      return List.of(text);
    }
    List<String> pieces = new ArrayList<>();
    int from = 0;
    while (text.length() - from > max) {
      int cut = from + max;
      int space = cut;
      while (space > from + max / 2 && !Character.isWhitespace(text.charAt(space))) {
        space--;
      }
      if (space > from + max / 2) {
        cut = space;
      } else if (Character.isLowSurrogate(text.charAt(cut)) && cut - 1 > from) {
        cut--;
      }
      String piece = text.substring(from, cut).strip();
      if (!piece.isEmpty()) {
        pieces.add(piece);
      }
      from = cut;
      while (from < text.length() && Character.isWhitespace(text.charAt(from))) {
        from++;
      }
    }
    if (from < text.length()) {
      pieces.add(text.substring(from));
    }
    return pieces;
  }

  // ------------------------------------------------------------------ starting syntheses

  private void startSyntheses() {
    waitingForPlayback = false;
    if (pauseStart >= 0) {
      pausedNanos += creditedPause(turn.clock().nanoTime());
      pauseStart = -1;
    }
    while (!turn.isEnding() && inFlight < engine.ttsConcurrency && nextToStart < chunks.size()) {
      // The first chunk always starts; later ones only while the audio started so far runs less
      // than the lookahead ahead of real-time playback.
      if (nextToStart > 0 && aheadNanos() >= engine.speechLookahead.toNanos()) {
        if (pauseStart < 0) {
          pauseStart = turn.clock().nanoTime();
        }
        scheduleLookaheadCheck();
        return;
      }
      inFlight++;
      synthesize(chunks.get(nextToStart++));
    }
  }

  /** Audio started (in flight or done) but not yet played, if playback runs in real time. */
  private long aheadNanos() {
    long started = 0;
    for (int i = 0; i < nextToStart; i++) {
      started += durationNanos(chunks.get(i));
    }
    long played = firstAudioAt < 0 ? 0
        : Math.min(turn.clock().nanoTime() - firstAudioAt, deliveredNanos);
    return started - played;
  }

  /**
   * Comes back to the lookahead when playback has moved on: after the time the audio ahead needs
   * to play, or, while playback waits for audio (nothing delivered yet, or all of it played), at
   * the next delivery.
   */
  private void scheduleLookaheadCheck() {
    waitingForPlayback = true;
    if (lookaheadCheck != null || firstAudioAt < 0) {
      return;
    }
    long elapsed = turn.clock().nanoTime() - firstAudioAt;
    if (elapsed >= deliveredNanos) {
      return;
    }
    long wait = Math.min(aheadNanos() - engine.speechLookahead.toNanos(), deliveredNanos - elapsed);
    lookaheadCheck = turn.clock().schedule(() -> turn.mailbox().execute(() -> {
      lookaheadCheck = null;
      startSyntheses();
    }), Duration.ofNanos(Math.max(wait, 1_000_000L)));
  }

  /** The turn's own voice, speed, instructions, format and extras over the provider's. */
  static SpeechRequest withTurnOptions(SpeechRequest speech, TurnRequest request) {
    if (request.voice().isPresent()) {
      speech = speech.withVoice(request.voice().get());
    }
    if (request.speechSpeed().isPresent()) {
      speech = speech.withSpeed(request.speechSpeed().getAsDouble());
    }
    if (request.speechInstructions().isPresent()) {
      speech = speech.withInstructions(request.speechInstructions().get());
    }
    if (request.audioFormat().isPresent()) {
      speech = speech.withFormat(request.audioFormat().get());
    }
    if (!request.speechExtraBody().isEmpty() || !request.speechHeaders().isEmpty()) {
      speech = speech.withExtras(request.speechExtraBody(), request.speechHeaders());
    }
    return speech;
  }

  private void synthesize(Chunk chunk) {
    int attempt = ++chunk.attempt;
    long now = turn.clock().nanoTime();
    chunk.attemptStartNanos = now;
    if (attempt == 1) {
      chunk.firstStartNanos = now;
    }
    chunk.bytes = 0;
    chunk.fromCache = false;
    chunk.provider = null;
    try {
      SpeechRequest speech = tts.request(chunk.speakable);
      speech = withTurnOptions(speech, turn.request());
      chunk.format = speech.format();
      chunk.maxBytes = maxAudioBytes(chunk.format, chunk.speakable.length());
      chunk.timer = turn.clock().schedule(
          () -> turn.mailbox().execute(() -> onChunkTimer(chunk, attempt)),
          engine.speechFirstByteTimeout);
      TtsCall call = tts.synthesize(speech, new Sink(chunk, attempt));
      chunk.call = call;
      calls.add(call);
      if (turn.isEnding()) {
        call.cancel();
      }
    } catch (RuntimeException e) {
      onError(chunk, attempt, PipelineTurn.asOfficeHours(Stage.TTS, e));
    }
  }

  /** The most audio a chunk of {@code chars} characters may bring: generous, but finite. */
  long maxAudioBytes(AudioFormat format, int chars) {
    // No encoding is larger than raw 16-bit PCM at the same rate, so this bounds every format.
    long bytesPerSecond = (long) format.sampleRate() * format.channels() * 2;
    long nanos = engine.speechAudioPerChar.toNanos() * chars + engine.speechAudioBase.toNanos();
    return Math.max(1, (long) (bytesPerSecond * (nanos / 1e9)));
  }

  // ------------------------------------------------------------------ provider callbacks

  /**
   * Network callbacks of one TTS call: each takes its share of the budget, then goes to the
   * mailbox. An audio piece runs on the provider's thread when the mailbox is idle (no hand-off
   * per piece); the once-per-call events are always queued.
   */
  private final class Sink implements AudioSink {
    private final Chunk chunk;
    private final int attempt;
    /** When this attempt started (the chunk's field moves on with a retry). */
    private final long startedAt;
    /** Set by the provider's thread: cached audio says nothing of how long syntheses take. */
    private boolean cacheHit;

    Sink(Chunk chunk, int attempt) {
      this.chunk = chunk;
      this.attempt = attempt;
      this.startedAt = chunk.attemptStartNanos;
    }

    @Override
    public void onCacheHit() {
      cacheHit = true;
      turn.mailbox().execute(() -> {
        if (chunk.attempt == attempt) {
          chunk.fromCache = true;
        }
      });
    }

    @Override
    public void onProvider(String providerId) {
      turn.mailbox().execute(() -> {
        if (chunk.attempt == attempt) {
          chunk.provider = providerId;
        }
      });
    }

    @Override
    public void onAudio(byte[] audio) {
      onAudio(audio, null);
    }

    @Override
    public void onAudio(byte[] audio, List<WordTiming> words) {
      if (turn.isEnding() || audio.length == 0) {
        return;
      }
      // The audio has arrived, whether or not the turn has room for it yet: time spent waiting
      // for the listener is not the provider's.
      if (chunk.sawAudioAttempt != attempt && !cacheHit && chunk.attempt == attempt && !chunk.abandoned) {
        // this attempt's first audio, timed on arrival (the mailbox may run it later)
        engine.firstAudio.sample(startedAt, Math.max(0, turn.clock().nanoTime() - startedAt));
      }
      chunk.sawAudioAttempt = attempt;
      chunk.waitingAttempt = attempt;
      // So is the time this thread then spends running the listener with the piece (deliverHere).
      long waitStart = turn.clock().nanoTime();
      try {
        if (budget.acquire(chunk.index, audio.length, turn.mayWait(),
            () -> chunk.abandoned || chunk.attempt != attempt)) {
          Piece piece = new Piece(audio, words == null ? null : List.copyOf(words));
          turn.deliverHere(() -> SpeechScheduler.this.onAudio(chunk, attempt, piece));
        }
      } finally {
        if (chunk.attempt == attempt) {
          chunk.waitedNanos.addAndGet(turn.clock().nanoTime() - waitStart);
        }
        if (chunk.waitingAttempt == attempt) {
          chunk.waitingAttempt = 0;
        }
      }
    }

    @Override
    public void onComplete() {
      if (chunk.attempt == attempt) {
        chunk.providerDone = true; // for heard text: a barge-in may drop the queued completion
      }
      turn.mailbox().execute(() -> SpeechScheduler.this.onComplete(chunk, attempt));
    }

    @Override
    public void onError(OfficeHoursException error) {
      turn.mailbox().execute(() -> SpeechScheduler.this.onError(chunk, attempt, error));
    }
  }

  private boolean stale(Chunk chunk, int attempt) {
    return turn.isEnding() || chunk.attempt != attempt || chunk.ended;
  }

  private void onAudio(Chunk chunk, int attempt, Piece piece) {
    byte[] audio = piece.audio();
    if (stale(chunk, attempt)) {
      budget.dropped(audio.length);
      return;
    }
    if (chunk.bytes + audio.length > chunk.maxBytes) {
      budget.dropped(audio.length);
      OfficeHoursException error = new LimitExceededException(Stage.TTS, "speechAudioLimit",
          chunk.maxBytes, "audio of chunk " + chunk.index + " passed its limit of "
              + chunk.maxBytes + " bytes (" + engine.speechAudioPerChar.toMillis()
              + " ms per character + " + engine.speechAudioBase.toMillis() + " ms, for "
              + chunk.speakable.length() + " characters; setting: speechAudioLimit)");
      engine.observer.error(Stage.TTS, error);
      fail(chunk, error);
      return;
    }
    if (chunk.bytes == 0) {
      engine.observer.ttsFirstByte(nanos(turn.clock().nanoTime() - chunk.attemptStartNanos));
    }
    chunk.bytes += audio.length;
    if (chunk.index != order.head()) {
      chunk.keptBytes += audio.length;
      budget.keptAhead(audio.length);
    }
    order.add(chunk.index, piece);
  }

  private void onComplete(Chunk chunk, int attempt) {
    if (stale(chunk, attempt)) {
      return;
    }
    calls.remove(chunk.call);
    engine.observer.ttsCompleted(nanos(turn.clock().nanoTime() - chunk.attemptStartNanos),
        chunk.bytes, chunk.fromCache);
    if (chunk.fromCache) {
      cacheHits++;
    }
    end(chunk);
  }

  private void onError(Chunk chunk, int attempt, OfficeHoursException error) {
    if (stale(chunk, attempt)) {
      return;
    }
    calls.remove(chunk.call);
    cancelTimer(chunk);
    engine.observer.error(Stage.TTS, error);
    if (mayRetry(chunk, error)) {
      retries++;
      budget.wake(); // a reader of the failed attempt may still wait for room: let it go
      log.debug("turn {}: speech of chunk {} failed ({}); retrying once", turn.id(), chunk.index,
          error.getMessage());
      synthesize(chunk);
      return;
    }
    fail(chunk, error);
  }

  /**
   * One retry budget per chunk across the provider and the pipeline: only a retryable error, only
   * when the provider made a single attempt, only before any audio of the chunk arrived (a retry
   * would repeat it), and only with time left in the chunk's budget.
   */
  private boolean mayRetry(Chunk chunk, OfficeHoursException error) {
    if (!error.retryable() || chunk.attempt > 1 || chunk.bytes > 0 || chunk.framesDelivered > 0) {
      return false;
    }
    if (attemptsOf(error) > 1) {
      return false;
    }
    long used = turn.clock().nanoTime() - chunk.firstStartNanos;
    return used < engine.speechTotalTimeout.toNanos() - engine.speechFirstByteTimeout.toNanos();
  }

  static int attemptsOf(OfficeHoursException error) {
    return error instanceof ProviderException ? ((ProviderException) error).attempts() : 1;
  }

  /** A raised first-audio limit ends this long before the turn's deadline at the latest. */
  private static final long DEADLINE_MARGIN_NANOS = 1_000_000_000L;

  private void onChunkTimer(Chunk chunk, int attempt) {
    if (stale(chunk, attempt)) {
      return;
    }
    chunk.timer = null;
    long now = turn.clock().nanoTime();
    if (chunk.waitingAttempt == attempt) {
      // The provider is waiting for the listener, not the other way round: look again later.
      chunk.timer = turn.clock().schedule(
          () -> turn.mailbox().execute(() -> onChunkTimer(chunk, attempt)),
          engine.speechFirstByteTimeout);
      return;
    }
    long configured = engine.speechFirstByteTimeout.toNanos();
    long total = engine.firstAudio.total(configured, engine.speechTotalTimeout.toNanos());
    if (chunk.bytes == 0 && chunk.sawAudioAttempt != attempt) {
      // Never past the chunk's total budget (which runs from its first attempt, waits excluded),
      // nor so close to the turn's deadline that a hung chunk would take the whole turn with it.
      long left = Math.min(chunk.firstStartNanos + total + chunk.waitedNanos.get() - chunk.attemptStartNanos,
          now - chunk.attemptStartNanos + turn.remainingNanos() - DEADLINE_MARGIN_NANOS);
      long limit = engine.firstAudio.limit(configured, left);
      long waited = now - chunk.attemptStartNanos;
      if (waited < limit) {
        // Recent syntheses have been this slow: give this one as long (FirstAudioEstimate).
        chunk.timer = turn.clock().schedule(
            () -> turn.mailbox().execute(() -> onChunkTimer(chunk, attempt)), nanos(limit - waited));
        return;
      }
      // the next ones get longer, until one started after this cut brings audio (TCP's back-off)
      engine.firstAudio.cut(now, chunk.attemptStartNanos);
      timedOut(chunk, engine.speechFirstByteTimeout, "no audio of chunk " + chunk.index + " within "
          + nanos(limit).toMillis() + " ms (setting: speechTimeouts" + (limit > configured
              ? " " + engine.speechFirstByteTimeout.toMillis() + " ms, raised for recent syntheses that were slower"
              : "") + ")");
      return;
    }
    // the total budget is the provider's time: what it spent waiting for the listener is added
    long left = chunk.firstStartNanos + total + chunk.waitedNanos.get() - now;
    if (left <= 0) {
      long configuredTotal = engine.speechTotalTimeout.toNanos();
      timedOut(chunk, engine.speechTotalTimeout, "speech of chunk " + chunk.index
          + " took longer than " + nanos(total).toMillis() + " ms (setting: speechTimeouts" + (total > configuredTotal
              ? " " + engine.speechTotalTimeout.toMillis() + " ms, stretched for recent syntheses that were slower"
              : "") + ")");
      return;
    }
    chunk.timer = turn.clock().schedule(
        () -> turn.mailbox().execute(() -> onChunkTimer(chunk, attempt)), nanos(left));
  }

  private void timedOut(Chunk chunk, Duration limit, String message) {
    TtsCall call = chunk.call;
    if (call != null) {
      PipelineTurn.quietly(call::cancel);
      calls.remove(call);
    }
    OfficeHoursException error =
        new LimitExceededException(Stage.TTS, "speechTimeouts", limit.toMillis(), message);
    engine.observer.error(Stage.TTS, error);
    fail(chunk, error);
  }

  /** The chunk goes without (the rest of) its audio; the turn goes on. */
  private void fail(Chunk chunk, OfficeHoursException error) {
    TtsCall call = chunk.call;
    if (call != null) {
      PipelineTurn.quietly(call::cancel); // past a limit: close the connection, keep nothing more
      calls.remove(call);
    }
    log.warn("turn {}: speech of chunk {} failed; going on without it: {}", turn.id(), chunk.index,
        error.getMessage());
    chunk.failed = true;
    chunk.abandoned = true;
    budget.wake();
    failures.add(new SpeechFailure(chunk.index, chunk.speakable, error));
    order.discard(chunk.index, piece -> budget.droppedAhead(piece.audio().length));
    chunk.keptBytes = 0;
    end(chunk);
  }

  private void end(Chunk chunk) {
    chunk.ended = true;
    chunk.call = null;
    cancelTimer(chunk);
    inFlight--;
    order.end(chunk.index);
    startSyntheses();
    turn.speechProgressed();
  }

  private static void cancelTimer(Chunk chunk) {
    if (chunk.timer != null) {
      chunk.timer.cancel();
      chunk.timer = null;
    }
  }

  // ------------------------------------------------------------------ ordered delivery

  @Override
  public void piece(int seq, Piece piece) {
    byte[] audio = piece.audio();
    Chunk chunk = chunks.get(seq);
    // Kept pieces go out first, in order, before any live piece of the chunk.
    boolean wasKept = chunk.keptBytes > 0;
    if (wasKept) {
      chunk.keptBytes -= audio.length;
    }
    if (turn.isEnding()) {
      if (wasKept) {
        budget.droppedAhead(audio.length);
      } else {
        budget.dropped(audio.length);
      }
      return; // cancelled while a batch of kept audio was going out
    }
    if (wasKept) {
      budget.releasedAhead(audio.length);
    }
    if (firstAudioAt < 0) {
      firstAudioAt = turn.clock().nanoTime();
    }
    audioBytes += audio.length;
    if (chunk.deliveredBytes == 0) {
      providers.add(chunk.provider != null ? chunk.provider : tts.id());
    }
    chunk.deliveredBytes += audio.length;
    if (timedByBytes(chunk)) {
      deliveredNanos += pcmNanos(chunk.format, audio.length);
    }
    List<WordTiming> words = wordsOf(chunk, piece);
    turn.deliverAudio(chunk, chunk.framesDelivered++, audio, words);
    if (waitingForPlayback) {
      startSyntheses();
    }
  }

  /**
   * The word timings a frame carries: the provider's, as it reported them; or, when it reports
   * none (decided by the chunk's first frame), an estimate of every word sent with that frame.
   */
  private List<WordTiming> wordsOf(Chunk chunk, Piece piece) {
    if (chunk.framesDelivered == 0) {
      chunk.estimatedWords = piece.words() == null;
      if (chunk.estimatedWords) {
        return WordTiming.estimate(chunk.speakable, Duration.ofNanos(expectedNanos(chunk)));
      }
    }
    return chunk.estimatedWords || piece.words() == null ? List.of() : piece.words();
  }

  /**
   * How long the chunk's audio will play, as well as it is known at its first frame: from its
   * PCM when all of it has arrived (chunks synthesised while earlier ones play), else from its
   * text at the speaking rate of the turn's chunks so far (at first 16 characters a second).
   */
  private long expectedNanos(Chunk chunk) {
    if (timedByBytes(chunk) && chunk.ended && !chunk.failed) {
      return pcmNanos(chunk.format, chunk.bytes);
    }
    long perChar = ratedChars > 0 ? ratedNanos / ratedChars : NANOS_PER_CHAR;
    long fromText = perChar * chunk.speakable.length();
    // Audio already here plays at least this long, whatever the rate says.
    return timedByBytes(chunk) ? Math.max(fromText, pcmNanos(chunk.format, chunk.bytes)) : fromText;
  }

  @Override
  public void done(int seq) {
    Chunk chunk = chunks.get(seq);
    if (timedByBytes(chunk) && !chunk.failed && chunk.bytes > 0) {
      ratedChars += chunk.speakable.length();
      ratedNanos += pcmNanos(chunk.format, chunk.bytes);
    }
    if (chunk.format != null && !timedByBytes(chunk) && chunk.framesDelivered > 0) {
      deliveredNanos += textNanos(chunk); // compressed audio: counted by its text once done
    }
    budget.head(seq + 1);
  }

  // ------------------------------------------------------------------ ending and reporting

  /** Whether every chunk cut so far was spoken or given up. */
  boolean drained() {
    return order.drained();
  }

  /** Cancels every call now; safe from any thread. */
  void cancelCalls() {
    for (TtsCall call : calls) {
      PipelineTurn.quietly(call::cancel);
    }
  }

  /** Stops everything (the turn is ending): calls, timers, kept audio. Mailbox only. */
  void stop() {
    cancelCalls();
    calls.clear();
    for (Chunk chunk : chunks) {
      cancelTimer(chunk);
      chunk.abandoned = true;
    }
    if (lookaheadCheck != null) {
      lookaheadCheck.cancel();
      lookaheadCheck = null;
    }
    order.clear(piece -> budget.droppedAhead(piece.audio().length));
  }

  /**
   * What the user heard of {@code answer} when playback was at {@code heard}: the chunks before
   * the one playing, whole, and the played share of that one, cut back to a word boundary.
   */
  String heardText(String answer, PlaybackPosition heard) {
    int lastPlayed = -1;
    for (int i = chunks.size() - 1; i >= 0; i--) {
      if (chunks.get(i).framesDelivered > 0) {
        lastPlayed = i;
        break;
      }
    }
    if (heard.chunkIndex() < 0 || lastPlayed < 0) {
      return "";
    }
    Chunk chunk;
    long played;
    if (heard.chunkIndex() > lastPlayed) {
      // The client cannot have played what it never got: at most everything delivered.
      chunk = chunks.get(lastPlayed);
      played = deliveredDurationNanos(chunk);
    } else {
      chunk = chunks.get(heard.chunkIndex());
      played = Math.min(heard.played().toNanos(), deliveredDurationNanos(chunk));
    }
    boolean whole = (chunk.ended || chunk.providerDone) && chunk.deliveredBytes == chunk.bytes
        && timedByBytes(chunk);
    long length = Math.max(1, whole ? pcmNanos(chunk.format, chunk.bytes)
        : Math.max(textNanos(chunk), deliveredDurationNanos(chunk)));
    String raw = answer.substring(chunk.rawStart, Math.min(chunk.rawEnd, answer.length()));
    String cut = played >= length ? raw : cutAtWord(raw, (int) (raw.length() * (double) played / length));
    return (answer.substring(0, chunk.rawStart) + cut).strip();
  }

  /** The first {@code n} characters of {@code raw}, moved back so no word is cut in two. */
  static String cutAtWord(String raw, int n) {
    if (n >= raw.length()) {
      return raw;
    }
    int end = n;
    if (end > 0 && !Character.isWhitespace(raw.charAt(end)) && !Character.isWhitespace(raw.charAt(end - 1))) {
      while (end > 0 && !Character.isWhitespace(raw.charAt(end - 1))) {
        end--;
      }
    }
    return raw.substring(0, end);
  }

  /**
   * How long speech has waited for playback so far: time the turn's deadline does not count, so
   * an answer longer than the deadline can be paced to the listener.
   */
  long pausedNanos() {
    return pausedNanos + (pauseStart < 0 ? 0 : creditedPause(turn.clock().nanoTime()));
  }

  /**
   * The part of the open pause during which playback had audio to play: waiting for a listener
   * that stopped consuming, or for a provider, is not waiting for playback.
   */
  private long creditedPause(long now) {
    if (firstAudioAt < 0) {
      return 0;
    }
    long playbackRunsOut = firstAudioAt + deliveredNanos;
    return Math.max(0, Math.min(now, playbackRunsOut) - pauseStart);
  }

  private long durationNanos(Chunk chunk) {
    if (chunk.failed || (chunk.ended && chunk.bytes == 0)) {
      return deliveredDurationNanos(chunk); // what will never play does not run ahead
    }
    if (timedByBytes(chunk)) {
      long fromAudio = pcmNanos(chunk.format, chunk.bytes);
      return chunk.ended ? fromAudio : Math.max(fromAudio, textNanos(chunk));
    }
    return textNanos(chunk);
  }

  private long deliveredDurationNanos(Chunk chunk) {
    if (timedByBytes(chunk)) {
      return pcmNanos(chunk.format, chunk.deliveredBytes);
    }
    return chunk.deliveredBytes > 0 ? textNanos(chunk) : 0;
  }

  /** Whether the chunk's length follows from its byte count (16-bit PCM, bare or in WAV). */
  private static boolean timedByBytes(Chunk chunk) {
    return chunk.format != null
        && (chunk.format.isRawPcm() || chunk.format.encoding() == AudioFormat.Encoding.WAV);
  }

  private static long textNanos(Chunk chunk) {
    return NANOS_PER_CHAR * chunk.speakable.length();
  }

  private static long pcmNanos(AudioFormat format, long bytes) {
    long bytesPerSecond = (long) format.sampleRate() * format.channels() * 2;
    return (long) (bytes * 1e9 / bytesPerSecond);
  }

  private static Duration nanos(long n) {
    return Duration.ofNanos(Math.max(0, n));
  }

  int chunkCount() {
    return chunks.size();
  }

  long audioBytes() {
    return audioBytes;
  }

  int cacheHits() {
    return cacheHits;
  }

  int retries() {
    return retries;
  }

  List<SpeechFailure> failures() {
    return failures;
  }

  List<String> providers() {
    return List.copyOf(providers);
  }
}
