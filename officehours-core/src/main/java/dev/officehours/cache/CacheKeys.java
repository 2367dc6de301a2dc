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
  private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}\\p{S}]+");

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
   * A question as the answer cache compares it: Unicode NFKC, lower case, punctuation and symbols
   * dropped, runs of whitespace as one space, trimmed. "What are your office hours?" and
   * " what are your  OFFICE hours " are the same question.
   */
  static String normaliseQuestion(String text) {
    String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    s = PUNCTUATION.matcher(s).replaceAll(" ");
    return WHITESPACE.matcher(s).replaceAll(" ").strip();
  }
}
