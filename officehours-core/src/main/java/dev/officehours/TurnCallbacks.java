package dev.officehours;

import dev.officehours.internal.BufferBudget;
import dev.officehours.internal.SerialExecutor;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener side of one turn: its callbacks run one at a time, in order, on the pipeline's
 * callback executor, never on the engine's threads, so a listener that blocks (a blocking
 * WebSocket send) holds up only its own turn. What a callback carried is returned to the turn's
 * {@link BufferBudget} once the listener has returned, which is how a slow listener slows its
 * providers.
 *
 * <p>With the pipeline's own callback executor, a provider's thread that just handed the turn a
 * token or an audio piece ({@link #deliverHere}) runs as many of the turn's next callbacks as that
 * produced itself, when no other thread is running the turn's callbacks: one thread hand-off (a wake-up and a context
 * switch) less per token and per audio piece. Order and one-at-a-time stay as they are; the
 * engine's threads still never run a listener. An executor the caller gave (a UI thread, say)
 * runs every callback.
 */
final class TurnCallbacks {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  /**
   * What the current thread does for listeners: one object per thread, kept for its life, because
   * a {@code ThreadLocal} set and removed for every token and audio piece costs more (the map's
   * stale-slot cleaning) than the work it guards.
   */
  private static final ThreadLocal<ThreadState> STATE = ThreadLocal.withInitial(ThreadState::new);

  private static final class ThreadState {
    /** Callbacks running on this thread (nested when a listener's call ends in another's). */
    int callbacks;
    /** The turn whose callbacks this provider thread runs itself, inside {@link #deliverHere}. */
    TurnCallbacks deliveringHere;
    /** How many callbacks this thread queued inside {@link #deliverHere}: the most it then runs. */
    int queuedHere;
  }

  private final String turnId;
  private final SerialExecutor queue;
  private final BufferBudget budget;
  /** Whether a provider's thread may run callbacks (only on the pipeline's own executor). */
  private final boolean mayDeliverHere;
  /** Set when the turn is cancelled: text and audio still queued are dropped, not delivered. */
  private volatile boolean cancelled;

  TurnCallbacks(String turnId, Executor executor, boolean mayDeliverHere, BufferBudget budget) {
    this.turnId = turnId;
    this.budget = budget;
    this.mayDeliverHere = mayDeliverHere;
    this.queue = new SerialExecutor(executor,
        (t, e) -> log.error("turn {}: unexpected error running a listener callback", turnId, e));
  }

  /** Whether the current thread is running a listener callback of any turn. */
  static boolean inCallback() {
    return STATE.get().callbacks > 0;
  }

  /** From now on, text and audio callbacks not yet run are dropped; safe from any thread. */
  void cancel() {
    cancelled = true;
  }

  /** Runs the terminal {@code callback} after every callback emitted before it. */
  void emitTerminal(Runnable callback) {
    run(callback, 0, false);
  }

  /**
   * Runs a text or audio {@code callback}, which carries {@code bytes} of the turn's budget, after
   * every callback emitted before it, unless the turn is cancelled by then; the bytes are released
   * when it returns, whatever it did.
   */
  void emit(Runnable callback, long bytes) {
    run(callback, bytes, true);
  }

  /**
   * On a provider's thread (never an engine thread): runs {@code mailboxTask} on the turn's
   * {@code mailbox} right here when it is idle ({@link SerialExecutor#executeHere}), then runs
   * here the callbacks it emitted, unless another thread is running the turn's callbacks already
   * (then they queue behind it, as always). The mailbox is free again while the listener runs.
   *
   * @param mailbox the turn's mailbox
   * @param mailboxTask a short task of the turn that does not block
   */
  void deliverHere(SerialExecutor mailbox, Runnable mailboxTask) {
    ThreadState here = STATE.get();
    if (!mayDeliverHere || here.deliveringHere != null || here.callbacks > 0) {
      mailbox.executeHere(mailboxTask); // nested, or inside a listener: callbacks go to the pool
      return;
    }
    here.deliveringHere = this;
    here.queuedHere = 0;
    try {
      mailbox.executeHere(mailboxTask);
    } finally {
      here.deliveringHere = null;
      if (queue.owesDrainHere()) {
        // The provider's own interrupt status is kept aside: a listener that sets it (catch
        // InterruptedException, interrupt()) must not fail the provider's next socket read. An
        // interrupt that comes while the listener runs is kept if the turn was cancelled (a
        // provider may cancel its reader that way).
        boolean interrupted = Thread.interrupted();
        try {
          queue.drainOwedHere(here.queuedHere);
        } finally {
          if (Thread.interrupted() && cancelled) {
            interrupted = true;
          }
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
  }

  private void run(Runnable callback, long bytes, boolean droppedOnCancel) {
    Runnable task = () -> {
      ThreadState here = STATE.get();
      here.callbacks++;
      try {
        if (!(droppedOnCancel && cancelled)) {
          callback.run();
        }
      } catch (Throwable t) { // an Error too: the turn must still end and release its budget
        log.warn("turn {}: TurnListener threw; ignored", turnId, t);
      } finally {
        here.callbacks--;
        if (bytes > 0) {
          budget.consumed(bytes);
        }
      }
    };
    ThreadState here = STATE.get();
    if (here.deliveringHere == this) {
      here.queuedHere++;
      queue.executeLater(task); // this thread runs it once the mailbox task has returned
    } else {
      queue.execute(task);
    }
  }

  /** Runs {@code task} after every callback emitted before it, for bookkeeping after the end. */
  void then(Runnable task) {
    queue.execute(task);
  }
}
