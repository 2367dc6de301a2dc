package dev.officehours.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Properties of {@link SpeakableText} over whole Unicode blocks rather than single examples. */
class SpeakableTextTest {

  @Test
  void removesEverySymbolOfTheEmojiBlocks() {
    int removed = 0;
    for (int cp = 0x1F300; cp <= 0x1FAFF; cp++) {
      if (Character.getType(cp) == Character.OTHER_SYMBOL) {
        String emoji = Character.toString(cp);
        assertEquals("a b", SpeakableText.clean("a " + emoji + " b"), () -> "U+" + Integer.toHexString(emoji.codePointAt(0)));
        removed++;
      }
    }
    assertTrue(removed > 1_000, "the JDK knows the emoji blocks");
  }

  @Test
  void removesTheSymbolsAndDingbatsOfTheBasicPlane() {
    for (int cp = 0x2600; cp <= 0x27BF; cp++) {
      if (Character.getType(cp) == Character.OTHER_SYMBOL) {
        assertTrue(SpeakableText.isPictograph(cp), "U+" + Integer.toHexString(cp));
      }
    }
  }

  @Test
  void neverRemovesALetterOrDigit() {
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      if (Character.isLetterOrDigit(cp)) {
        assertFalse(SpeakableText.isPictograph(cp), "U+" + Integer.toHexString(cp));
      }
    }
  }

  @Test
  void aChunkWithoutLettersOrDigitsIsNothing() {
    for (String raw : new String[] {"", " ", "\n\n", "-", "**", "---", "> ", "| --- |", "!?", "🙂", "```\n```"}) {
      assertEquals("", SpeakableText.clean(raw), () -> "'" + raw + "'");
    }
  }

  @Test
  void aUrlIsNeverSpokenWithItsSchemeOrQuery() {
    String clean = SpeakableText.clean(
        "Try https://www.shop.example.com:443/items/42?ref=abc&utm_source=x#top or http://a.b.example.net/x.");
    assertEquals("Try shop.example.com or a.b.example.net.", clean);
  }

  @Test
  void rejectsNullNamingIt() {
    assertEquals("raw", assertThrows(NullPointerException.class, () -> SpeakableText.clean(null)).getMessage());
  }
}
