package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.officehours.examples.sim.KnowledgeBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BareHttpSystemTest {

  @Test
  void theControlCutsEveryAnswerWhereOfficeHoursCutsItAndWhereTheIdealAssumes() {
    for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
      List<String> tokens = IdealTtfa.tokens(e.answer(), 0);
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
      assertEquals(IdealTtfa.firstChunkToken(tokens), firstAt, "first piece of: " + e.question());
      assertEquals(e.answer().strip(), String.join(" ", pieces), "every word spoken once, in order");
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

  @Test
  void sentencesEndOnlyAtSentencePunctuationFollowedByWhitespace() {
    Sentences s = Sentences.sentences();
    List<String> out = new ArrayList<>();
    for (String t : List.of("Hi", " there,", " you.", " Next", " one?", " Last")) {
      String piece = s.add(t);
      if (piece != null) {
        out.add(piece);
      }
    }
    out.add(s.flush());
    assertEquals(List.of("Hi there, you.", "Next one?", "Last"), out);
  }
}
