package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pieces of numbered streams come out in stream order, whatever order they arrive in. */
class ReorderBufferTest {
  final List<String> out = new ArrayList<>();
  final List<Integer> done = new ArrayList<>();
  final ReorderBuffer<String> buffer = new ReorderBuffer<>(new ReorderBuffer.Output<>() {
    @Override
    public void piece(int seq, String piece) {
      out.add(seq + ":" + piece);
    }

    @Override
    public void done(int seq) {
      done.add(seq);
    }
  });

  @Test
  void laterStreamsWaitForTheOnesBeforeThem() {
    int a = buffer.open();
    int b = buffer.open();
    int c = buffer.open();
    buffer.add(c, "c1");
    buffer.add(b, "b1");
    buffer.add(a, "a1");
    assertEquals(List.of("0:a1"), out, "only the head goes out at once");
    buffer.end(b);
    buffer.add(a, "a2");
    buffer.end(a);
    assertEquals(List.of("0:a1", "0:a2", "1:b1", "2:c1"), out);
    assertEquals(List.of(0, 1), done);
    assertEquals(2, buffer.head());
    buffer.add(c, "c2");
    buffer.end(c);
    assertTrue(buffer.drained());
    assertEquals("2:c2", out.get(out.size() - 1));
  }

  @Test
  void aDiscardedStreamDropsWhatItKeptAndTheNextMovesUp() {
    int a = buffer.open();
    int b = buffer.open();
    int c = buffer.open();
    buffer.add(b, "b1");
    buffer.add(c, "c1");
    List<String> dropped = new ArrayList<>();
    buffer.discard(b, dropped::add);
    assertEquals(List.of("b1"), dropped);
    buffer.end(a);
    assertEquals(List.of("2:c1"), out);
    assertEquals(2, buffer.head());
  }

  @Test
  void clearingDropsEverythingKept() {
    buffer.open();
    int b = buffer.open();
    buffer.add(b, "b1");
    buffer.add(b, "b2");
    List<String> dropped = new ArrayList<>();
    buffer.clear(dropped::add);
    assertEquals(List.of("b1", "b2"), dropped);
    assertTrue(out.isEmpty());
  }
}
