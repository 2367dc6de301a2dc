package dev.officehours.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.officehours.llm.ToolCallRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the tool calls of one streamed completion from OpenAI's {@code delta.tool_calls}
 * pieces: the first piece of a call carries its index, id and function name, the following ones
 * the same index and a few more characters of the arguments. Parallel calls have their own
 * indexes and may interleave.
 *
 * <p>Servers that leave out the index (some compatibility layers send each call whole) are
 * handled too: a piece with an id not seen before starts a new call, a piece without index and id
 * continues the last one.
 *
 * <p>Bounded: ids, names and arguments of all calls together (plus a small allowance per call, so
 * a flood of empty calls is bounded too) may not exceed the limit, counted in characters.
 */
final class ToolCallDeltas {
  /** Charged per call, so a stream of empty calls with ever new indexes is bounded too. */
  static final int PER_CALL_CHARS = 32;

  /** The accumulated pieces were over the limit. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(long limit) {
      super("tool calls longer than " + limit + " characters");
    }
  }

  private static final class Call {
    final int index;
    final StringBuilder id = new StringBuilder();
    final StringBuilder name = new StringBuilder();
    final StringBuilder arguments = new StringBuilder();

    Call(int index) {
      this.index = index;
    }
  }

  private final long limit;
  private final Map<Integer, Call> calls = new TreeMap<>();
  private Call last;
  private long size;

  /** @param limit the most characters all calls together may hold */
  ToolCallDeltas(long limit) {
    this.limit = limit;
  }

  /**
   * Adds the pieces of one {@code delta.tool_calls} array.
   *
   * @throws TooLargeException when the calls grow past the limit
   */
  void add(JsonNode toolCalls) throws TooLargeException {
    if (toolCalls == null || !toolCalls.isArray()) {
      return;
    }
    for (JsonNode piece : toolCalls) {
      if (piece != null && piece.isObject()) {
        addPiece(piece);
      }
    }
  }

  private void addPiece(JsonNode piece) throws TooLargeException {
    String id = text(piece.get("id"));
    JsonNode indexNode = piece.get("index");
    Call call;
    if (indexNode != null && indexNode.canConvertToInt() && indexNode.isIntegralNumber()
        && indexNode.intValue() >= 0) {
      call = callAt(indexNode.intValue());
    } else if (id != null && !id.isEmpty() && (last == null || !id.contentEquals(last.id))) {
      call = callAt(nextIndex());
    } else if (last != null) {
      call = last;
    } else {
      call = callAt(0);
    }
    last = call;
    JsonNode function = piece.path("function");
    // An id or name is sent once; a repeat (some servers send them in every piece) is not news.
    if (id != null && call.id.length() == 0) {
      append(call.id, id);
    }
    String name = text(function.get("name"));
    if (name != null && !name.contentEquals(call.name)) {
      append(call.name, name);
    }
    String arguments = text(function.get("arguments"));
    if (arguments != null) {
      append(call.arguments, arguments);
    }
  }

  private Call callAt(int index) throws TooLargeException {
    Call call = calls.get(index);
    if (call == null) {
      charge(PER_CALL_CHARS);
      call = new Call(index);
      calls.put(index, call);
    }
    return call;
  }

  private int nextIndex() {
    int next = 0;
    for (int index : calls.keySet()) {
      next = Math.max(next, index + 1);
    }
    return next;
  }

  private void append(StringBuilder target, String piece) throws TooLargeException {
    charge(piece.length());
    target.append(piece);
  }

  private void charge(long chars) throws TooLargeException {
    size += chars;
    if (size > limit) {
      throw new TooLargeException(limit);
    }
  }

  /** The calls assembled so far, in index order. */
  List<ToolCallRequest> result() {
    List<ToolCallRequest> out = new ArrayList<>(calls.size());
    for (Call c : calls.values()) {
      out.add(new ToolCallRequest(c.index, c.id.toString(), c.name.toString(),
          c.arguments.toString()));
    }
    return out;
  }

  private static String text(JsonNode node) {
    return node == null || !node.isTextual() ? null : node.asText();
  }
}
