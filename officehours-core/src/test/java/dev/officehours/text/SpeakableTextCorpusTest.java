package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cleaning rules as a table: {@code chunker/speakable.txt} holds raw chunks and what TTS gets. */
class SpeakableTextCorpusTest {

  static List<Corpus> cases() {
    return Corpus.load("/chunker/speakable.txt");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cleansTheRawChunk(Corpus c) {
    assertEquals(c.get("clean"), SpeakableText.clean(c.get("raw")));
  }
}
