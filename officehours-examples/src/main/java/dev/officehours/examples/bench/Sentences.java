package dev.officehours.examples.bench;

/**
 * Where the hand-written systems cut streamed text into pieces to speak. {@link #sentences} is what
 * a developer writes for LangChain4j: whole sentences. {@link #eager} follows OfficeHours' default
 * chunking closely enough that the bare-HTTP control makes the same speech requests: the first
 * piece ends at clause punctuation once 8 characters long, or after 5 words; later ones at a
 * sentence end once 20 characters long.
 */
final class Sentences {
  private final boolean eager;
  private final StringBuilder pending = new StringBuilder();
  private boolean first = true;
  private int words;

  private Sentences(boolean eager) {
    this.eager = eager;
  }

  static Sentences sentences() {
    return new Sentences(false);
  }

  static Sentences eager() {
    return new Sentences(true);
  }

  /** Adds a token; returns a finished piece, or null. A piece ends only when whitespace follows it. */
  String add(String token) {
    String out = null;
    if (!token.isEmpty() && Character.isWhitespace(token.charAt(0)) && pending.length() > 0) {
      out = cutBeforeSpace(token);
    }
    pending.append(token);
    return out;
  }

  private String cutBeforeSpace(String nextToken) {
    char last = lastNonSpace();
    boolean sentenceEnd = last == '.' || last == '!' || last == '?';
    boolean clause = sentenceEnd || last == ',' || last == ';' || last == ':';
    if (eager && first) {
      words++;
      if ((clause && pending.length() >= 8) || words >= 5) {
        return take();
      }
      return null;
    }
    if (sentenceEnd && pending.length() >= (eager ? 20 : 1)) {
      return take();
    }
    return null;
  }

  private char lastNonSpace() {
    for (int i = pending.length() - 1; i >= 0; i--) {
      if (!Character.isWhitespace(pending.charAt(i))) {
        return pending.charAt(i);
      }
    }
    return ' ';
  }

  private String take() {
    String s = pending.toString().trim();
    pending.setLength(0);
    first = false;
    return s.isEmpty() ? null : s;
  }

  /** The rest, at the end of the answer, or null. */
  String flush() {
    return take();
  }
}
