package dev.officehours.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentencesTest {

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
