package dev.officehours;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.officehours.internal.JsonSchemaCheck;
import dev.officehours.llm.ToolCallRequest;
import dev.officehours.tools.Tool;
import dev.officehours.tools.ToolArguments;
import dev.officehours.tools.ToolContext;
import dev.officehours.tools.ToolStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of tool calls in a turn: the calls the model made in one answer, run concurrently on
 * the tool executor, each held to its timeout, their results bounded and reported in the order
 * they end. Confined to the turn's mailbox like the turn; only {@link #cancel()} comes from other
 * threads, so that a barge-in stops the tools at once.
 */
final class ToolRound {
  private static final Logger log = LoggerFactory.getLogger(ConversationPipeline.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One call of the round and how it goes. */
  final class Call implements ToolContext {
    final ToolCallRequest request;
    final String id;
    final Tool tool;
    final long startNanos;
    Instant deadline = Instant.MAX;
    PipelineClock.Timer timer;
    /** The result sent to the model, once the call has ended (mailbox only). */
    ToolResult result;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;
    private volatile Thread runningOn;
    /** Completes when the function itself has returned, whatever the round made of it. */
    final CompletableFuture<Void> returned = new CompletableFuture<>();

    Call(ToolCallRequest request, String id, Tool tool) {
      this.request = request;
      this.id = id;
      this.tool = tool;
      this.startNanos = turn.clock().nanoTime();
    }

    @Override
    public String turnId() {
      return turn.id();
    }

    @Override
    public String sessionId() {
      return turn.sessionId();
    }

    @Override
    public String callId() {
      return id;
    }

    @Override
    public String toolName() {
      return request.name();
    }

    @Override
    public Instant deadline() {
      return deadline;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
      java.util.Objects.requireNonNull(action, "action");
      onCancel.add(action);
      if (cancelled && onCancel.remove(action)) {
        runQuietly(action);
      }
    }

    /**
     * Stops a cancellable call that is still running: its cancel actions run and a blocking
     * tool's thread is interrupted. An asynchronous tool's stage is not cancelled (the tool may
     * share it with other callers); the pipeline just stops waiting for it. Any thread.
     */
    void cancel() {
      if (tool == null || !tool.cancellable() || cancelled || returned.isDone()) {
        return;
      }
      cancelled = true;
      for (Runnable action : onCancel) {
        if (onCancel.remove(action)) {
          runQuietly(action);
        }
      }
      synchronized (this) {
        // Under the lock the tool clears runningOn with, so no interrupt lands on its next task.
        Thread t = runningOn;
        if (t != null) {
          t.interrupt();
        }
      }
    }

    private void runQuietly(Runnable action) {
      try {
        action.run();
      } catch (Throwable t) {
        log.warn("turn {}: a cancel action of tool {} threw; ignored", turn.id(), request.name(), t);
      }
    }
  }

  private final PipelineTurn turn;
  private final PipelineEngine engine;
  private final int number;
  private final Map<String, Tool> tools;
  private final Consumer<ToolResult> onResult;
  private final Runnable onDone;
  private final List<Call> calls = new ArrayList<>();
  private final long startNanos;
  private int open;
  private PipelineClock.Timer fillerTimer;
  private boolean done;
  private boolean runnable;

  /**
   * @param number the round, from 1
   * @param requests the calls the model made, each given an id if the server sent none
   * @param onResult told of each result as it ends (mailbox)
   * @param onDone told once every call has a result (queued on the mailbox)
   */
  ToolRound(PipelineTurn turn, PipelineEngine engine, int number, Map<String, Tool> tools,
      List<ToolCallRequest> requests, Consumer<ToolResult> onResult, Runnable onDone) {
    this.turn = turn;
    this.engine = engine;
    this.number = number;
    this.tools = tools;
    this.onResult = onResult;
    this.onDone = onDone;
    this.startNanos = engine.clock.nanoTime();
    for (ToolCallRequest r : requests) {
      // A server that sends no id still needs one: each tool message quotes its call's.
      String id = r.id().isEmpty() ? "call_" + turn.id() + "_" + number + "_" + r.index() : r.id();
      calls.add(new Call(r, id, tools.get(r.name())));
    }
    open = calls.size();
  }

  int number() {
    return number;
  }

  List<Call> calls() {
    return calls;
  }

  /**
   * The calls as the assistant message that made them records them, with their ids. Arguments
   * that are not a JSON object are recorded as {@code {}}: servers that parse the history's
   * arguments would reject it, and every later turn of the session with it; the call's error
   * result says what the model sent.
   */
  List<ToolCallRequest> requests() {
    List<ToolCallRequest> out = new ArrayList<>(calls.size());
    for (Call c : calls) {
      out.add(new ToolCallRequest(c.request.index(), c.id, c.request.name(),
          isJsonObject(c.request.arguments()) ? c.request.arguments() : "{}"));
    }
    return out;
  }

  private static boolean isJsonObject(String text) {
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isObject();
    } catch (JsonProcessingException e) {
      return false;
    }
  }

  long startNanos() {
    return startNanos;
  }

  /** Whether the calls were run, rather than refused for the round limit. */
  boolean ran() {
    return runnable;
  }

  /**
   * Starts every call: each is announced, then run, or answered at once when it cannot run (an
   * unknown tool, bad arguments, or {@code runnable} false once the turn is out of rounds).
   */
  void start(boolean runnable, Consumer<ToolCallStarted> onStart) {
    this.runnable = runnable;
    for (Call call : calls) {
      onStart.accept(new ToolCallStarted(turn.id(), call.id, call.request.name(),
          call.request.arguments(), number));
    }
    List<Call> all = List.copyOf(calls);
    for (int i = 0; i < all.size(); i++) {
      Call call = all.get(i);
      if (!runnable) {
        end(call, ToolStatus.ROUND_LIMIT, error("not run: this turn already used its "
            + engine.maxToolRounds + " rounds of tool calls; answer with what you have"));
      } else if (i >= engine.maxToolCallsPerRound) {
        end(call, ToolStatus.CALL_LIMIT, error("not run: at most " + engine.maxToolCallsPerRound
            + " tool calls are run per answer"));
      } else {
        begin(call);
      }
    }
  }

  private void begin(Call call) {
    if (call.tool == null) {
      end(call, ToolStatus.UNKNOWN_TOOL, error("there is no tool named '" + call.request.name()
          + "'; the tools are: " + String.join(", ", tools.keySet())));
      return;
    }
    ToolArguments arguments;
    try {
      arguments = checkedArguments(call);
    } catch (IllegalArgumentException e) {
      end(call, ToolStatus.INVALID_ARGUMENTS, error(e.getMessage()));
      return;
    }
    Duration timeout = call.tool.timeout().orElse(engine.toolTimeout);
    call.deadline = Instant.now().plus(timeout);
    call.timer = engine.clock.schedule(() -> turn.mailbox().execute(() -> {
      if (call.result == null) {
        call.cancel();
        end(call, ToolStatus.TIMED_OUT,
            error("the tool did not answer within " + seconds(timeout)));
      }
    }), timeout);
    try {
      engine.toolExecutor.execute(() -> run(call, arguments));
    } catch (RejectedExecutionException e) {
      end(call, ToolStatus.FAILED, error("the tool could not be started: the pipeline is closing"));
      call.returned.complete(null);
    }
  }

  private ToolArguments checkedArguments(Call call) {
    String text = call.request.arguments().isBlank() ? "{}" : call.request.arguments();
    JsonNode value;
    try {
      value = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the arguments are not valid JSON: " + e.getOriginalMessage());
    }
    if (value == null || !value.isObject()) {
      throw new IllegalArgumentException("the arguments must be a JSON object");
    }
    List<String> problems = JsonSchemaCheck.violations(
        JsonSchemaCheck.parse(call.tool.definition().parametersSchema()), value);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("the arguments do not match the tool's schema: "
          + String.join("; ", problems));
    }
    return ToolArguments.parse(text);
  }

  /** On the tool executor: calls the function and hands its outcome to the mailbox. */
  private void run(Call call, ToolArguments arguments) {
    synchronized (call) {
      call.runningOn = Thread.currentThread(); // before the check, so a cancel after it interrupts
    }
    if (call.cancelled || turn.isEnding()) {
      // The turn ended while the call waited for a thread: not even an uncancellable one starts.
      synchronized (call) {
        call.runningOn = null;
      }
      Thread.interrupted();
      call.returned.complete(null);
      return;
    }
    CompletionStage<String> stage;
    try {
      stage = call.tool.call(arguments, call);
    } finally {
      synchronized (call) {
        call.runningOn = null;
      }
      Thread.interrupted(); // a cancel's interrupt belongs to this call, not the next task
    }
    CompletableFuture<String> future;
    try {
      future = stage.toCompletableFuture();
    } catch (UnsupportedOperationException e) {
      future = new CompletableFuture<>();
      CompletableFuture<String> f = future;
      stage.whenComplete((v, t) -> {
        if (t != null) {
          f.completeExceptionally(t);
        } else {
          f.complete(v);
        }
      });
    }
    future.whenComplete((value, failure) -> {
      // Queued before anyone waiting on 'returned' queues its own task, which must find the result.
      turn.mailbox().execute(() -> onReturned(call, value, failure));
      call.returned.complete(null);
    });
  }

  private void onReturned(Call call, String value, Throwable failure) {
    if (call.result != null) {
      log.debug("turn {}: tool {} returned after its call had ended ({}); result dropped",
          turn.id(), call.request.name(), call.result.status());
      return;
    }
    Throwable cause = unwrap(failure);
    if (cause == null && value == null) {
      cause = new NullPointerException("the tool completed with null");
    }
    if (cause == null) {
      end(call, ToolStatus.OK, value);
    } else if (call.cancelled) {
      end(call, ToolStatus.CANCELLED, error("the call was cancelled"));
    } else {
      log.info("turn {}: tool {} failed: {}", turn.id(), call.request.name(), cause.toString());
      end(call, ToolStatus.FAILED, error("the tool failed: " + describe(cause)));
    }
  }

  /**
   * What the model may read of a tool's exception: the message of an argument problem, which the
   * model can act on (ToolArguments' getters throw these); of anything else only its type, as its
   * message may carry details (hosts, keys) that must not reach a model or a browser.
   */
  private static String describe(Throwable t) {
    if (t instanceof IllegalArgumentException && t.getMessage() != null) {
      return t.getMessage();
    }
    return t.getClass().getSimpleName();
  }

  private void end(Call call, ToolStatus status, String text) {
    if (call.result != null) {
      return;
    }
    if (call.timer != null) {
      call.timer.cancel();
    }
    boolean truncated = text.length() > engine.maxToolResultChars;
    String bounded = truncated ? truncate(text, engine.maxToolResultChars) : text;
    Duration took = status == ToolStatus.UNKNOWN_TOOL || status == ToolStatus.INVALID_ARGUMENTS
        || status == ToolStatus.ROUND_LIMIT || status == ToolStatus.CALL_LIMIT
        ? Duration.ZERO : Duration.ofNanos(engine.clock.nanoTime() - call.startNanos);
    call.result = new ToolResult(turn.id(), call.id, call.request.name(), status, bounded,
        truncated, took);
    engine.observer.toolCallEnded(call.tool == null ? "unknown" : call.tool.name(), status, took);
    onResult.accept(call.result);
    if (--open == 0 && !done) {
      done = true;
      cancelFiller();
      turn.mailbox().execute(onDone);
    }
  }

  static String truncate(String text, int max) {
    int keep = max;
    if (Character.isHighSurrogate(text.charAt(keep - 1))) {
      keep--;
    }
    return text.substring(0, keep) + "\n[truncated: the result was " + text.length()
        + " characters; only the first " + keep + " were kept]";
  }

  /** A result that tells the model what went wrong, as a JSON object. */
  static String error(String message) {
    ObjectNode node = JSON.createObjectNode();
    node.put("error", message);
    return node.toString();
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }

  // ------------------------------------------------------------------ filler speech

  /** Speaks {@code filler} if the round is still running after {@code after}. */
  void fillerAfter(Duration after, Runnable filler) {
    fillerTimer = engine.clock.schedule(() -> turn.mailbox().execute(() -> {
      fillerTimer = null;
      if (!done && !turn.isEnding()) {
        filler.run();
      }
    }), after);
  }

  private void cancelFiller() {
    if (fillerTimer != null) {
      fillerTimer.cancel();
      fillerTimer = null;
    }
  }

  // ------------------------------------------------------------------ ending

  boolean done() {
    return done;
  }

  /** Cancels every cancellable call now; safe from any thread. */
  void cancel() {
    for (Call call : List.copyOf(calls)) {
      call.cancel();
    }
  }

  /**
   * The turn is ending (mailbox): calls that are still open end as cancelled, except that an
   * uncancellable call still running is waited for, up to its deadline, so that history can
   * record what it did. Completes when every call has a result.
   */
  CompletableFuture<Void> settle() {
    cancelFiller();
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (Call call : calls) {
      if (call.result != null) {
        continue;
      }
      if (call.returned.isDone() || call.tool != null && !call.tool.cancellable()) {
        // Its result is queued on the mailbox already, or it is a call that must not be cut
        // short: wait for it (the latter up to its deadline).
        long left = Math.max(0, java.time.Instant.now().until(call.deadline, java.time.temporal.ChronoUnit.MILLIS));
        waits.add(call.returned.copy().completeOnTimeout(null, left, TimeUnit.MILLISECONDS)
            .thenApply(v -> (Void) null));
      } else {
        end(call, ToolStatus.CANCELLED, error("the call was cancelled: the turn ended"));
      }
    }
    if (waits.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> settled = new CompletableFuture<>();
    CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> turn.mailbox().execute(() -> {
          for (Call call : calls) {
            // Its result, if the function returned in time, is queued on the mailbox before this.
            end(call, ToolStatus.CANCELLED, error("the turn ended before the tool answered"));
          }
          settled.complete(null);
        }));
    return settled;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
