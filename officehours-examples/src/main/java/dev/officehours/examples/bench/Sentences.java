package dev.officehours.examples.bench;

/**
 * Where the LangChain4j systems cut streamed text into pieces to speak: whole sentences, what a
 * developer writes for LangChain4j. (The bare-HTTP control cuts with OfficeHours' own chunker: see
 * {@link BareHttpSystem.Cutter}.)
 */
final class Sentences {
  private final StringBuilder pending = new StringBuilder();

  private Sentences() {}

  static Sentences sentences() {
    return new Sentences();
  }

  /** Adds a token; returns a finished sentence, or null. A sentence ends only when whitespace follows it. */
  String add(String token) {
    String out = null;
    if (!token.isEmpty() && Character.isWhitespace(token.charAt(0)) && pending.length() > 0) {
      char last = lastNonSpace();
      if (last == '.' || last == '!' || last == '?') {
        out = take();
      }
    }
    pending.append(token);
    return out;
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
    return s.isEmpty() ? null : s;
  }

  /** The rest, at the end of the answer, or null. */
  String flush() {
    return take();
  }
}
