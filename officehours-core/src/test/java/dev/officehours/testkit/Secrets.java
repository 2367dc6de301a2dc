package dev.officehours.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** Checks that a credential appears nowhere in what a caller could print or log. */
public final class Secrets {
  private Secrets() {}

  /**
   * Asserts {@code secret} is in neither the message, the {@code toString()} nor the causes of
   * {@code error}.
   *
   * @param secret the credential
   * @param error the error a provider reported
   */
  public static void assertAbsent(String secret, Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      assertAbsent(secret, String.valueOf(t.getMessage()), "the message of " + t.getClass().getName());
      assertAbsent(secret, t.toString(), "toString() of " + t.getClass().getName());
      if (t.getCause() == t) {
        break;
      }
    }
  }

  /**
   * Asserts {@code secret} is not in {@code text}.
   *
   * @param secret the credential
   * @param text what might be printed
   * @param where what the text is, for the failure message
   */
  public static void assertAbsent(String secret, String text, String where) {
    assertFalse(text.contains(secret), where + " contains the credential");
  }
}
