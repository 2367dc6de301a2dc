package dev.officehours.redis;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A {@link HistoryMessage} as one Redis list element: version byte, role, interrupted flag, the
 * instant (seconds, nanos) and the UTF-8 text. Small, exact and free of a JSON dependency.
 *
 * <p>Version 2 (written) stores the role by name (length byte and ASCII), so reordering or
 * extending {@link ChatMessage.Role} cannot change what stored history means. Version 1 (read
 * only) stored the ordinal of the role as the enum was when it was written.
 */
final class HistoryCodec {
  static final int VERSION = 2;
  private static final int V1 = 1;
  /** The roles in the order their ordinals had when version 1 was written; never to change. */
  private static final List<ChatMessage.Role> V1_ROLES =
      List.of(ChatMessage.Role.SYSTEM, ChatMessage.Role.USER, ChatMessage.Role.ASSISTANT);

  /** Bytes after the role and before the text: interrupted flag, seconds, nanos. */
  private static final int FLAG_AND_INSTANT = 1 + 8 + 4;

  /**
   * Lua that defines {@code answerText(m)}: the text of the encoded message {@code m} (a Lua
   * string) when it is an assistant answer of a version this class reads, else {@code nil}. It
   * mirrors {@link #decode} so that a script can check a stored answer without a round trip.
   */
  static final String LUA_ANSWER_TEXT =
      "local function answerText(m)\n"
      + "  local version, textAt = string.byte(m, 1), nil\n"
      + "  if version == " + VERSION + " then\n"
      + "    local n = string.byte(m, 2)\n"
      + "    if n == nil or string.sub(m, 3, 2 + n) ~= '" + ChatMessage.Role.ASSISTANT.name() + "' then return nil end\n"
      + "    textAt = 3 + n + " + FLAG_AND_INSTANT + "\n"
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
    byte[] text = m.text().getBytes(StandardCharsets.UTF_8);
    byte[] role = m.role().name().getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length + role.length + 20);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeByte(role.length);
      out.write(role);
      out.writeBoolean(m.interrupted());
      out.writeLong(m.at().getEpochSecond());
      out.writeInt(m.at().getNano());
      out.write(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The message, or empty when the bytes are of an unknown version, name an unknown role, or are
   * corrupt (the pipeline then goes on without that message).
   */
  static Optional<HistoryMessage> decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      ChatMessage.Role role;
      if (version == VERSION) {
        byte[] name = in.readNBytes(in.readUnsignedByte());
        role = ChatMessage.Role.valueOf(new String(name, StandardCharsets.US_ASCII));
      } else if (version == V1) {
        role = V1_ROLES.get(in.readByte());
      } else {
        return Optional.empty();
      }
      boolean interrupted = in.readBoolean();
      Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Optional.of(new HistoryMessage(role, text, interrupted, at));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
