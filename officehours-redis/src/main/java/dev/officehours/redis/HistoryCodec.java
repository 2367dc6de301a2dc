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
import java.util.Optional;

/**
 * A {@link HistoryMessage} as one Redis list element: version byte, role, interrupted flag, the
 * instant (seconds, nanos) and the UTF-8 text. Small, exact and free of a JSON dependency.
 */
final class HistoryCodec {
  static final int VERSION = 1;

  private HistoryCodec() {}

  static byte[] encode(HistoryMessage m) {
    byte[] text = m.text().getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length + 20);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeByte(m.role().ordinal());
      out.writeBoolean(m.interrupted());
      out.writeLong(m.at().getEpochSecond());
      out.writeInt(m.at().getNano());
      out.write(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The message, or empty when the bytes are of another version or corrupt (then skipped). */
  static Optional<HistoryMessage> decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readByte() != VERSION) {
        return Optional.empty();
      }
      int role = in.readByte();
      ChatMessage.Role[] roles = ChatMessage.Role.values();
      if (role < 0 || role >= roles.length) {
        return Optional.empty();
      }
      boolean interrupted = in.readBoolean();
      Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Optional.of(new HistoryMessage(roles[role], text, interrupted, at));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
