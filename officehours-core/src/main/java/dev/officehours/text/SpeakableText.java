package dev.officehours.text;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a raw chunk of an LLM answer into the text to send to TTS: what a person would read
 * aloud. The text shown to the user is never changed; only speech gets the cleaned text.
 *
 * <ul>
 *   <li>Fenced code blocks ({@code ```} / {@code ~~~}, also unclosed ones) are dropped entirely.
 *   <li>Block markdown: heading marks ({@code #}), quote marks ({@code >}), bullets
 *       ({@code - * + •}, task boxes {@code [ ]}) and horizontal rules are removed; numbered list
 *       markers ({@code 1.}) stay, they are speakable. Table rows become their cells separated by
 *       commas; separator rows are dropped.
 *   <li>Inline markdown: emphasis ({@code **bold**, *it*, _it_, ~~strike~~}) loses its marks,
 *       inline code keeps its text, {@code [label](url)} and {@code ![alt](url)} become the label,
 *       HTML tags and markdown escapes are removed.
 *   <li>URLs become their host without {@code www.} ({@code https://www.example.com/a?q=1} is
 *       spoken {@code example.com}), as do {@code <https://...>} autolinks and host/path forms
 *       such as {@code example.com/docs}. E-mail addresses stay.
 *   <li>Emoji and other pictographs (including their joiners, variation selectors, skin tones and
 *       flags) are removed, by code point range and {@link Character#getType}, not by a list.
 *   <li>A line that ends without punctuation and is followed by another line (a list item, a
 *       heading, a table row) gets a period, so that TTS pauses between them. Whitespace is
 *       collapsed and the result stripped.
 * </ul>
 *
 * The result is empty when nothing speakable (no letter or digit) is left.
 */
public final class SpeakableText {
  private static final Pattern IMAGE_OR_LINK = Pattern.compile("!?\\[([^\\]\\n]*)\\]\\(([^()\\s]*(?:\\([^()\\s]*\\))?[^()\\s]*)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern AUTOLINK = Pattern.compile("<((?:https?|ftp)://[^>\\s]+)>");
  private static final Pattern HTML_TAG = Pattern.compile("</?[A-Za-z][A-Za-z0-9-]*(?:\\s[^<>]*)?/?>");
  private static final Pattern URL = Pattern.compile(
      "(?<![\\w@.])(?:(?:https?|ftp)://|www\\.)[^\\s<>\"]+"
          + "|(?<![\\w@./-])[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}/[^\\s<>\"]*");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}(?=\\s|$)\\s*(.*?)(?:\\s+#+)?\\s*$");
  private static final Pattern BULLET = Pattern.compile("^[-*+•‣◦▪]\\s+(?:\\[[ xX]\\]\\s+)?");
  private static final Pattern RULE = Pattern.compile("^(?:(?:-\\s*){3,}|(?:\\*\\s*){3,}|(?:_\\s*){3,}|={3,})$");
  private static final Pattern LINE_BREAK = Pattern.compile("\\r?\\n|\\r");
  private static final Pattern REPEATED_COMMAS = Pattern.compile("(?:\\s*,\\s*){2,}");
  private static final Pattern SPACE_BEFORE_COMMA = Pattern.compile("\\s+,");
  private static final Pattern NUMBERED = Pattern.compile("^\\d{1,3}[.)]\\s");
  private static final Pattern TABLE_SEPARATOR = Pattern.compile("^\\|?\\s*:?-+:?\\s*(?:\\|\\s*:?-+:?\\s*)*\\|?$");

  private SpeakableText() {}

  /**
   * The text to send to TTS for a raw chunk.
   *
   * @param raw a chunk as the LLM wrote it
   * @return the speakable text, stripped; empty when nothing in it is speakable
   */
  public static String clean(String raw) {
    Objects.requireNonNull(raw, "raw");
    StringBuilder out = new StringBuilder(raw.length());
    boolean inFence = false;
    char fenceChar = 0;
    int fenceLen = 0;
    boolean previousBlock = false;
    boolean gap = false;
    for (String line : LINE_BREAK.split(raw, -1)) {
      int run = fenceRun(line);
      if (inFence) {
        if (run >= fenceLen && line.strip().charAt(0) == fenceChar && line.strip().length() == run) {
          inFence = false;
        }
        gap = true;
        continue;
      }
      if (run >= 3) {
        inFence = true;
        fenceChar = line.strip().charAt(0);
        fenceLen = run;
        gap = true;
        continue;
      }
      boolean block = isBlockLine(line);
      String spoken = cleanLine(line);
      if (!hasLetterOrDigit(spoken)) {
        gap = true;
        continue;
      }
      if (out.length() > 0) {
        // list items, headings, table rows and paragraphs are read with a pause between them
        if ((gap || block || previousBlock) && !endsInPunctuation(out)) {
          out.append('.');
        }
        out.append(' ');
      }
      out.append(spoken);
      previousBlock = block;
      gap = false;
    }
    return hasLetterOrDigit(out) ? out.toString() : "";
  }

  /** The length of a fence mark (``` or ~~~, at most 3 spaces in) opening the line, else 0. */
  private static int fenceRun(String line) {
    int k = 0;
    while (k < line.length() && k < 3 && line.charAt(k) == ' ') {
      k++;
    }
    if (k >= line.length()) {
      return 0;
    }
    char c = line.charAt(k);
    if (c != '`' && c != '~') {
      return 0;
    }
    int run = 0;
    while (k + run < line.length() && line.charAt(k + run) == c) {
      run++;
    }
    return run >= 3 ? run : 0;
  }

  private static String cleanLine(String line) {
    String s = line.strip();
    // quote marks, bullets and headings may nest: "> - item", "> ## Title"
    boolean changed = true;
    while (changed && !s.isEmpty()) {
      changed = false;
      if (s.charAt(0) == '>') {
        s = s.substring(1).strip();
        changed = true;
      }
      if (s.isEmpty() || Character.isLetterOrDigit(s.charAt(0))) {
        break; // no block mark
      }
      Matcher bullet = BULLET.matcher(s);
      if (!RULE.matcher(s).matches() && bullet.lookingAt()) {
        s = s.substring(bullet.end());
        changed = true;
      }
      if (s.startsWith("#")) {
        Matcher heading = HEADING.matcher(s);
        if (heading.matches()) {
          s = heading.group(1);
          changed = true;
        }
      }
    }
    if (!s.isEmpty() && !Character.isLetterOrDigit(s.charAt(0))
        && (RULE.matcher(s).matches() || s.contains("|") && TABLE_SEPARATOR.matcher(s).matches())) {
      return "";
    }
    boolean tableRow = isTableRow(s);
    String text = collapse(inline(s, tableRow));
    return tableRow ? stripCommas(text) : text;
  }

  /** Inline markdown outside code spans; code spans keep their text. */
  /** Whether a raw line is a markdown block item: heading, quote, list item or table row. */
  private static boolean isBlockLine(String line) {
    String s = line.strip();
    return !s.isEmpty() && (s.charAt(0) == '#' || s.charAt(0) == '>' || BULLET.matcher(s).lookingAt()
        || NUMBERED.matcher(s).lookingAt() || isTableRow(s));
  }

  private static boolean isTableRow(String s) {
    return s.length() > 1 && (s.startsWith("|") || s.endsWith("|"));
  }

  private static String inline(String s, boolean tableRow) {
    StringBuilder out = new StringBuilder(s.length());
    int k = 0;
    int plainFrom = 0;
    while (k < s.length()) {
      if (s.charAt(k) != '`') {
        k++;
        continue;
      }
      int run = 1;
      while (k + run < s.length() && s.charAt(k + run) == '`') {
        run++;
      }
      int close = findRun(s, k + run, run);
      if (close < 0) {
        k += run; // an unmatched backtick is just dropped with the plain text
        continue;
      }
      out.append(plain(s.substring(plainFrom, k), tableRow));
      out.append(s, k + run, close);
      k = close + run;
      plainFrom = k;
    }
    out.append(plain(s.substring(plainFrom), tableRow));
    return out.toString();
  }

  private static int findRun(String s, int from, int run) {
    for (int k = from; k < s.length(); k++) {
      if (s.charAt(k) != '`') {
        continue;
      }
      int r = 1;
      while (k + r < s.length() && s.charAt(k + r) == '`') {
        r++;
      }
      if (r == run) {
        return k;
      }
      k += r - 1;
    }
    return -1;
  }

  private static String plain(String s, boolean tableRow) {
    if (s.isEmpty()) {
      return s;
    }
    // the patterns only run where their first characters occur: most chunks are plain prose
    if (s.indexOf('<') >= 0) {
      s = AUTOLINK.matcher(s).replaceAll(m -> Matcher.quoteReplacement(host(m.group(1))));
      s = HTML_TAG.matcher(s).replaceAll(" ");
    }
    if (s.indexOf('[') >= 0) {
      s = IMAGE_OR_LINK.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
    }
    if (s.indexOf('/') >= 0 || s.indexOf("www.") >= 0) {
      s = replaceUrls(s);
    }
    StringBuilder out = new StringBuilder(s.length());
    int n = s.length();
    for (int k = 0; k < n; ) {
      int cp = s.codePointAt(k);
      int width = Character.charCount(cp);
      char c = s.charAt(k);
      if (c == '\\' && k + 1 < n && isAsciiPunctuation(s.charAt(k + 1))) {
        out.append(s.charAt(k + 1)); // markdown escape: \* is a literal star
        k += 2;
        continue;
      }
      if (c == '*' || c == '_' || c == '~') {
        int run = 1;
        while (k + run < n && s.charAt(k + run) == c) {
          run++;
        }
        if (isEmphasisMark(s, k, run, c)) {
          k += run;
          continue;
        }
        out.append(s, k, k + run);
        k += run;
        continue;
      }
      if (c == '|') {
        out.append(tableRow ? ", " : " ");
        k++;
        continue;
      }
      if (!isPictograph(cp)) {
        out.appendCodePoint(cp);
      }
      k += width;
    }
    return out.toString();
  }

  /** Whether a run of *, _ or ~ marks emphasis (and is dropped) rather than being text. */
  private static boolean isEmphasisMark(String s, int k, int run, char c) {
    char before = k > 0 ? s.charAt(k - 1) : ' ';
    char after = k + run < s.length() ? s.charAt(k + run) : ' ';
    boolean spaceBefore = Character.isWhitespace(before);
    boolean spaceAfter = Character.isWhitespace(after);
    if (spaceBefore && spaceAfter) {
      return false; // "2 * 3", a lone "~"
    }
    if (c == '*' && run == 1 && Character.isDigit(before) && Character.isDigit(after)) {
      return false; // "5*3"
    }
    if (c == '~') {
      return run == 2; // ~~strike~~; "~5" means about 5
    }
    if (c == '_') {
      // snake_case stays, _emphasis_ goes
      return !(Character.isLetterOrDigit(before) && Character.isLetterOrDigit(after));
    }
    return true;
  }

  private static String replaceUrls(String s) {
    Matcher m = URL.matcher(s);
    if (!m.find()) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int last = 0;
    do {
      int end = m.end();
      // sentence punctuation right after a URL is not part of it
      while (end > m.start() && ".,;:!?)]'".indexOf(s.charAt(end - 1)) >= 0) {
        end--;
      }
      out.append(s, last, m.start()).append(host(s.substring(m.start(), end)));
      last = end;
    } while (m.find(last));
    out.append(s, last, s.length());
    return out.toString();
  }

  /** The speakable short form of a URL: its host without "www." (and without user or port). */
  static String host(String url) {
    int from = url.indexOf("://");
    from = from < 0 ? 0 : from + 3;
    int to = from;
    while (to < url.length() && "/?#".indexOf(url.charAt(to)) < 0) {
      to++;
    }
    String host = url.substring(from, to);
    int at = host.lastIndexOf('@');
    if (at >= 0) {
      host = host.substring(at + 1);
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    if (host.regionMatches(true, 0, "www.", 0, 4)) {
      host = host.substring(4);
    }
    return host;
  }

  /**
   * Emoji and pictographs: the emoji blocks of the supplementary planes, the symbol and dingbat
   * blocks of the BMP (as far as they are symbols, not letters or math), and the invisible parts of
   * emoji sequences (zero-width joiner, variation selectors, keycap, tags).
   */
  static boolean isPictograph(int cp) {
    if (cp == 0x200D || cp == 0x20E3 || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0000 && cp <= 0xE007F)
        || cp == 0x200B || cp == 0xFEFF) {
      return true;
    }
    if (Character.isLetterOrDigit(cp)) {
      return false; // e.g. the segmented digits among the legacy computing symbols
    }
    int type = Character.getType(cp);
    if (type == Character.PRIVATE_USE || type == Character.SURROGATE || type == Character.UNASSIGNED && cp >= 0x1F000) {
      return true;
    }
    if (cp >= 0x1F000 && cp <= 0x1FBFF) {
      return true; // mahjong, cards, enclosed, emoji, pictographs, transport, alchemical, ...
    }
    boolean symbol = type == Character.OTHER_SYMBOL;
    return symbol && ((cp >= 0x2190 && cp <= 0x21FF) // arrows drawn as emoji
        || (cp >= 0x2300 && cp <= 0x23FF) // technical: watch, hourglass, ...
        || (cp >= 0x2460 && cp <= 0x24FF) // enclosed alphanumerics (Ⓜ)
        || (cp >= 0x25A0 && cp <= 0x27BF) // shapes, misc symbols, dingbats
        || (cp >= 0x2900 && cp <= 0x297F)
        || (cp >= 0x2B00 && cp <= 0x2BFF) // misc symbols and arrows (⭐)
        || cp == 0x3030 || cp == 0x303D || cp == 0x3297 || cp == 0x3299);
  }

  private static boolean isAsciiPunctuation(char c) {
    return c < 128 && !Character.isLetterOrDigit(c) && !Character.isWhitespace(c) && c > ' ';
  }

  private static String stripCommas(String text) {
    String t = text.strip();
    while (t.startsWith(",")) {
      t = t.substring(1).strip();
    }
    while (t.endsWith(",")) {
      t = t.substring(0, t.length() - 1).strip();
    }
    t = REPEATED_COMMAS.matcher(t).replaceAll(", ");
    return SPACE_BEFORE_COMMA.matcher(t).replaceAll(",");
  }

  /** Collapses every run of whitespace (also no-break spaces) into one space and strips. */
  private static String collapse(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean space = false;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        space = out.length() > 0;
        continue;
      }
      if (space) {
        // no space before punctuation that closes what precedes it ("code `x`." -> "code x.")
        if (".,;:!?)".indexOf(c) < 0) {
          out.append(' ');
        }
        space = false;
      }
      out.append(c);
    }
    return out.toString();
  }

  private static boolean endsInPunctuation(StringBuilder out) {
    char c = out.charAt(out.length() - 1);
    return ".,;:!?…。！？".indexOf(c) >= 0;
  }

  private static boolean hasLetterOrDigit(CharSequence s) {
    return s.codePoints().anyMatch(Character::isLetterOrDigit);
  }
}
