package dev.officehours.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** SHA-256 cache keys over length-prefixed fields, so no two field lists hash alike by accident. */
final class CacheKeys {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private final MessageDigest sha;

  private CacheKeys() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  static CacheKeys sha256() {
    return new CacheKeys();
  }

  CacheKeys add(String field) {
    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
    sha.update(new byte[] {
        (byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
        (byte) (bytes.length >>> 8), (byte) bytes.length});
    sha.update(bytes);
    return this;
  }

  CacheKeys add(long value) {
    return add(Long.toString(value));
  }

  CacheKeys add(double value) {
    return add(Double.toString(value));
  }

  /** The digest as lowercase hex, prefixed by {@code prefix} (the cache name and key version). */
  String hex(String prefix) {
    return prefix + HexFormat.of().formatHex(sha.digest());
  }

  /** Speakable text as TTS hears it: Unicode NFC, runs of whitespace as one space, trimmed. */
  static String normaliseSpeech(String text) {
    return WHITESPACE.matcher(Normalizer.normalize(text, Normalizer.Form.NFC)).replaceAll(" ").strip();
  }

  /**
   * A question as the answer cache compares it. Only what never changes a question's meaning is
   * ignored, because two questions that share a key share an answer:
   *
   * <ul>
   *   <li>Unicode canonical equivalence (NFC: a precomposed "é" equals "e" + combining accent);
   *   <li>character width: fullwidth and halfwidth forms ("？", "３＋１", "ｶ") count as their
   *       ordinary forms. Not full NFKC, which would also turn "2³" into "23" and "x²" into "x2";
   *   <li>typographic quotes: ‘ ’ count as ' and “ ” as " ("what’s" = "what's");
   *   <li>case (lower case, locale-independent);
   *   <li>whitespace: runs of any Unicode whitespace (tabs, newlines, no-break and ideographic
   *       spaces) count as one space; leading and trailing whitespace is dropped;
   *   <li>the sentence's closing marks: a trailing run of {@code ? ! . …} (and ‼ ⁇ ⁈ ⁉ ؟ 。) and
   *       a leading run of the Spanish {@code ¿ ¡}. A {@code !} right after a digit stays: "5!" is
   *       a factorial. A question made only of such marks is kept as it is.
   * </ul>
   *
   * <p>Everything else counts: operators, signs, decimal points, currency and unit symbols,
   * emoji, inner punctuation. "What is 3-1?" and "What is 3+1?", "C++" and "C#", "5°C" and
   * "5 C" are different questions.
   */
  static String normaliseQuestion(String text) {
    String s = foldQuotes(foldWidth(Normalizer.normalize(text, Normalizer.Form.NFC)));
    s = UNICODE_WHITESPACE.matcher(s.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    int start = 0;
    while (start < s.length() && (s.charAt(start) == '¿' || s.charAt(start) == '¡' || s.charAt(start) == ' ')) {
      start++;
    }
    int end = s.length();
    while (end > start && (CLOSING_MARKS.indexOf(s.charAt(end - 1)) >= 0 || s.charAt(end - 1) == ' ')) {
      end--;
    }
    if (end > start && Character.isDigit(s.charAt(end - 1))) {
      while (end < s.length() && BANGS.indexOf(s.charAt(end)) >= 0) {
        end++; // a factorial, not an exclamation
      }
    }
    return end > start ? s.substring(start, end) : s;
  }

  /** Sentence-closing marks that never change what is asked. */
  private static final String CLOSING_MARKS = "?!.…‼⁇⁈⁉؟。";
  private static final String BANGS = "!‼";
  private static final Pattern UNICODE_WHITESPACE = Pattern.compile("\\p{IsWhite_Space}+");

  /** Fullwidth and halfwidth forms (U+FF01..U+FFEE) and the ideographic space as their ordinary forms. */
  private static String foldWidth(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '\uFF01' && c <= '\uFFEE') {
        if (out == null) {
          out = new StringBuilder(s.length()).append(s, 0, i);
        }
        out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
      } else if (out != null) {
        out.append(c);
      }
    }
    // halfwidth katakana fold to a base letter plus a combining sound mark: compose them again
    return out == null ? s : Normalizer.normalize(out, Normalizer.Form.NFC);
  }

  private static String foldQuotes(String s) {
    return s.replace('\u2018', '\'').replace('\u2019', '\'').replace('\u201C', '"').replace('\u201D', '"');
  }
}
