package dev.officehours.redis;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ToolCallRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link HistoryMessage} as one Redis list element: version byte, role, interrupted flag, the
 * instant (seconds, nanos), for version 3 the tool fields, and the UTF-8 text last. Small, exact
 * and free of a JSON dependency.
 *
 * <p>Version 3 adds what a turn with tools stores: the call a {@link ChatMessage.Role#TOOL}
 * message answers, and the calls an assistant message made (index, id, name, arguments). It is
 * written only for messages that carry any; every other message is still written as version 2,
 * which the release before tools reads too, so instances of both can share history during a
 * rolling upgrade (the older ones skip the tool messages they cannot hold).
 *
 * <p>Version 2 stores the role by name (length byte and ASCII), so reordering or extending
 * {@link ChatMessage.Role} cannot change what stored history means. Version 1 (read only) stored
 * the ordinal of the role as the enum was when it was written.
 */
final class HistoryCodec {
  /** The newest format: messages with tool calls or a tool call id. */
  static final int VERSION = 3;
  /** The format of messages without tool fields, readable by releases before version 3. */
  static final int PLAIN_VERSION = 2;
  private static final int V1 = 1;
  /** The roles in the order their ordinals had when version 1 was written; never to change. */
  private static final List<ChatMessage.Role> V1_ROLES =
      List.of(ChatMessage.Role.SYSTEM, ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT);

  /** Bytes after the role and before the text: interrupted flag, seconds, nanos. */
  private static final int FLAG_AND_INSTANT = 1 + 8 + 4;
  /** Version 3's tool fields when there are none: an empty call id and zero calls. */
  private static final int NO_TOOL_FIELDS = 4 + 4;
  /** The fewest bytes one stored call takes: its index and three empty strings' lengths. */
  private static final int MIN_CALL_BYTES = 4 * 4;

  /**
   * Lua that defines {@code answerText(m)}: the text of the encoded message {@code m} (a Lua
   * string) when it is an assistant answer without tool calls, of a version this class reads,
   * else {@code nil}. It mirrors {@link #decode} so that a script can check a stored answer
   * without a round trip.
   */
  static final String LUA_ANSWER_TEXT =
      "local function answerText(m)\n"
      + "  local version, textAt = string.byte(m, 1), nil\n"
      + "  if version == " + VERSION + " or version == " + PLAIN_VERSION + " then\n"
      + "    local n = string.byte(m, 2)\n"
      + "    if n == nil or string.sub(m, 3, 2 + n) ~= '" + ChatMessage.Role.ASSISTANT.name() + "' then return nil end\n"
      + "    textAt = 3 + n + " + FLAG_AND_INSTANT + "\n"
      + "    if version == " + VERSION + " then\n"
      // an answer has no call id and no calls: anything else is a message that called tools
      + "      if string.sub(m, textAt, textAt + " + (NO_TOOL_FIELDS - 1) + ") ~= string.rep(string.char(0), "
      + NO_TOOL_FIELDS + ") then return nil end\n"
      + "      textAt = textAt + " + NO_TOOL_FIELDS + "\n"
      + "    end\n"
      + "  elseif version == " + V1 + " then\n"
      + "    if string.byte(m, 2) ~= " + V1_ROLES.indexOf(ChatMessage.Role.ASSISTANT) + " then return nil end\n"
      + "    textAt = 3 + " + FLAG_AND_INSTANT + "\n"
      + "  else\n"
      + "    return nil\n"
      + "  end\n"
      // shorter than its header: corrupt, and decode skips it, so it is no answer either
      + "  if #m < textAt - 1 then return nil end\n"
      + "  return string.sub(m, textAt)\n"
      + "end\n";

  private HistoryCodec() {}

  static byte[] encode(HistoryMessage m) {
    boolean tools = !m.toolCalls().isEmpty() || !m.toolCallId().isEmpty();
    byte[] text = m.text().getBytes(StandardCharsets.UTF_8);
    byte[] role = m.role().name().getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length + role.length + 32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(tools ? VERSION : PLAIN_VERSION);
      out.writeByte(role.length);
      out.write(role);
      out.writeBoolean(m.interrupted());
      out.writeLong(m.at().getEpochSecond());
      out.writeInt(m.at().getNano());
      if (tools) {
        writeString(out, m.toolCallId());
        out.writeInt(m.toolCalls().size());
        for (ToolCallRequest call : m.toolCalls()) {
          out.writeInt(call.index());
          writeString(out, call.id());
          writeString(out, call.name());
          writeString(out, call.arguments());
        }
      }
      out.write(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The message, or empty when the bytes are of an unknown version, name an unknown role, are
   * corrupt, or hold tool fields its role cannot have (the pipeline then goes on without that
   * message).
   */
  static Optional<HistoryMessage> decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      ChatMessage.Role role;
      if (version == VERSION || version == PLAIN_VERSION) {
        byte[] name = in.readNBytes(in.readUnsignedByte());
        role = ChatMessage.Role.valueOf(new String(name, StandardCharsets.US_ASCII));
      } else if (version == V1) {
        role = V1_ROLES.get(in.readByte());
      } else {
        return Optional.empty();
      }
      boolean interrupted = in.readBoolean();
      Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
      String toolCallId = "";
      List<ToolCallRequest> calls = List.of();
      if (version == VERSION) {
        toolCallId = readString(in);
        int count = in.readInt();
        if (count < 0 || count > in.available() / MIN_CALL_BYTES) {
          return Optional.empty();
        }
        List<ToolCallRequest> read = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          read.add(new ToolCallRequest(in.readInt(), readString(in), readString(in),
              readString(in)));
        }
        calls = read;
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Optional.of(new HistoryMessage(role, text, interrupted, at, calls, toolCallId));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /** A length-prefixed string; a length past the end of the bytes is corruption, not a wait. */
  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n);
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }
}
