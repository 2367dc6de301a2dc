package dev.officehours.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RedactorTest {

  @ParameterizedTest(name = "{0} is shown as {1}")
  @CsvSource(delimiter = '|', value = {
      // parsed http(s) URLs: no user info, query values masked, no fragment
      "http://user:secret@127.0.0.1:8080/v1                      | http://127.0.0.1:8080/v1",
      "https://token@api.example.com/v1                          | https://api.example.com/v1",
      "https://api.example.com/v1?api-version=2024-06-01&key=abc | https://api.example.com/v1?api-version=***&key=***",
      "https://api.example.com/v1?flag                           | https://api.example.com/v1?flag",
      "https://api.example.com/v1#frag-secret                    | https://api.example.com/v1",
      "https://api.openai.com/v1                                 | https://api.openai.com/v1",
      // not parsable: masked by shape, up to the last '@', every query value
      "user:secret@127.0.0.1:1/v1?key=abc                        | ***@127.0.0.1:1/v1?key=***",
      "http://user:secret@127.0.0.1:99999/v1                     | http://***@127.0.0.1:99999/v1",
      "http://user:x/#se@cret@127.0.0.1:1/v1                     | http://***@127.0.0.1:1/v1",
      "redis://:secret@127.0.0.1:6379/0?timeout=abc              | redis://***@127.0.0.1:6379/0?timeout=***",
      "localhost:8080/v1?secret                                  | localhost:8080/v1?***",
      "localhost:8080/v1                                         | localhost:8080/v1",
  })
  void aUrlIsShownWithoutUserInfoAndWithQueryValuesMasked(String url, String shown) {
    assertEquals(shown, Redactor.showUrl(url));
  }

  @Test
  void aShownUrlCannotBreakTheLine() {
    assertEquals("user\\r\\nFAKE:1/v1", Redactor.showUrl("user\r\nFAKE:1/v1"));
  }

  @Test
  void cleanRemovesTheApiKey() {
    Redactor r = new Redactor().secret("sk-abcdef");

    assertEquals("Incorrect API key provided: ***.", r.clean("Incorrect API key provided: sk-abcdef."));
  }

  @Test
  void cleanRemovesTheUserNamePasswordAndQueryValuesOfARegisteredUrl() {
    Redactor r = new Redactor().secretsOf("http://admin-user:hunter22@h/v1?api-key=qs-1234");

    assertEquals("you are *** with *** and ***", r.clean("you are admin-user with hunter22 and qs-1234"));
    assertEquals("***:***", r.clean("admin-user:hunter22"));
  }

  @Test
  void cleanRemovesAPercentEncodedPasswordInBothForms() {
    Redactor r = new Redactor().secretsOf("http://u:p%40ss-word@h/v1");

    assertEquals("*** and ***", r.clean("p@ss-word and p%40ss-word"));
  }

  @Test
  void cleanRemovesTheSecretsOfAUrlThatDoesNotParse() {
    Redactor r = new Redactor().secretsOf("admin-user:hunter22@127.0.0.1:99999/v1?api-key=qs-1234");

    assertEquals("*** *** ***", r.clean("admin-user hunter22 qs-1234"));
  }

  @Test
  void cleanEscapesControlCharactersSoAServerCannotForgeALine() {
    assertEquals("bad\\r\\nchat: all good \\u001b[2J\\u202e", new Redactor().clean("bad\r\nchat: all good \u001b[2J\u202e"));
  }

  @Test
  void secretsShorterThanFourCharactersAreNotSearchedForInFreeText() {
    Redactor r = new Redactor().secret("abc");

    assertEquals("abcdef", r.clean("abcdef"));
  }

  @Test
  void cleanOfNullIsTheWordNull() {
    assertEquals("null", new Redactor().clean(null));
  }
}
