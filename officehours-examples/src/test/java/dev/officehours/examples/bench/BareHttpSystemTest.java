package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.examples.sim.KnowledgeBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BareHttpSystemTest {

  @Test
  void theControlCutsEveryAnswerWhereTheIdealAssumesOfficeHoursCutsItAndSpeaksEveryWordOnce() {
    // the natural answers, and the bench's 64-word answers (cut or wrapped around)
    for (int words : new int[] {0, 64}) {
      for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
        List<String> tokens = IdealTtfa.tokens(e.answer(), words);
        List<String> pieces = new ArrayList<>();
        BareHttpSystem.Cutter cutter = new BareHttpSystem.Cutter(pieces::add);
        int firstAt = -1;
        for (int i = 0; i < tokens.size(); i++) {
          cutter.add(tokens.get(i));
          if (firstAt < 0 && !pieces.isEmpty()) {
            firstAt = i;
          }
        }
        cutter.flush();
        String what = e.question() + " (" + words + " words)";
        assertEquals(IdealTtfa.firstChunkToken(tokens), firstAt, "first piece of: " + what);
        assertEquals(String.join("", tokens).strip().replaceAll("\\s+", " "), String.join(" ", pieces),
            "every word spoken once, in order: " + what);
      }
    }
  }

  @Test
  void noPieceEndsOnAWordThatLeansOnTheNextOne() {
    KnowledgeBase.Entry models = KnowledgeBase.entries().stream()
        .filter(e -> e.question().equals("Which models can I use?")).findFirst().orElseThrow();
    List<String> pieces = new ArrayList<>();
    BareHttpSystem.Cutter cutter = new BareHttpSystem.Cutter(pieces::add);
    IdealTtfa.tokens(models.answer(), 0).forEach(cutter::add);
    cutter.flush();
    // a hand-written five-word rule cut "Any endpoint that speaks the", a token before OfficeHours
    assertEquals("Any endpoint that speaks the OpenAI", pieces.get(0));
  }
}
