package dev.officehours;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;

class TurnRequestTest {
  private static final String PREFIX = "sessionId must match [A-Za-z0-9._:-]{1,128} but was ";

  private static String rejection(String sessionId) {
    InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> TurnRequest.of(sessionId, "Hi"));
    assertEquals("sessionId", e.field());
    assertTrue(e.getMessage().startsWith(PREFIX), e.getMessage());
    return e.getMessage().substring(PREFIX.length());
  }

  private static boolean hasControlOrSeparator(String s) {
    return s.chars().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.LINE_SEPARATOR || Character.getType(c) == Character.PARAGRAPH_SEPARATOR);
  }

  @Test
  void aValidSessionIdIsAccepted() {
    assertEquals("tenant-1:user.42_x", TurnRequest.of("tenant-1:user.42_x", "Hi").sessionId());
  }

  @Test
  void anInvalidSessionIdIsQuotedAsGiven() {
    assertEquals("'has space'", rejection("has space"));
  }

  @Test
  void aNullSessionIdIsNamedNull() {
    assertEquals("null", rejection(null));
  }

  @Test
  void crAndLfInASessionIdCannotForgeALogLine() {
    String shown = rejection("abc\r\n2024-01-01 INFO admin logged in");

    assertEquals("'abc\\r\\n2024-01-01 INFO admin logged in'", shown);
    assertFalse(hasControlOrSeparator(shown), shown);
  }

  @Test
  void aTabIsEscapedLikeInJava() {
    assertEquals("'a\\tb'", rejection("a\tb"));
  }

  @Test
  void otherControlAndFormatCharactersAreEscapedAsUnicode() {
    // an ANSI colour sequence, NUL, DEL, a C1 control, a bidi override, a line separator
    String shown = rejection("\u001b[31mred\u0000\u007f\u0085\u202e\u2028end");

    assertEquals("'\\u001b[31mred\\u0000\\u007f\\u0085\\u202e\\u2028end'", shown);
    assertFalse(hasControlOrSeparator(shown), shown);
  }

  @Test
  void aBackslashIsDoubledSoAnEscapeIsNeverTheCallers() {
    assertEquals("'a\\\\nb'", rejection("a\\nb"));
  }

  @Test
  void printableUnicodeIsShownAsIs() {
    assertEquals("'caf\u00e9 \uD83D\uDE00'", rejection("caf\u00e9 \uD83D\uDE00"));
  }

  @Test
  void aLongSessionIdIsCutAfter40CharactersThenEscaped() {
    String id = "\n".repeat(39) + "x" + "y".repeat(160);

    String shown = rejection(id);

    assertEquals("'" + "\\n".repeat(39) + "x...(200 chars)'", shown);
  }

  @Test
  void aSurrogatePairCutInHalfAt40CharactersIsEscaped() {
    String id = " ".repeat(39) + "\uD83D\uDE00" + "z".repeat(10);

    String shown = rejection(id);

    assertEquals("'" + " ".repeat(39) + "\\ud83d...(51 chars)'", shown);
  }
}
