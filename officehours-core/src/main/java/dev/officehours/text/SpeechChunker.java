package dev.officehours.text;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cuts a streamed LLM answer into speakable chunks: tokens in, chunks out, as early as natural
 * prosody allows. Stateful, one per turn, not thread-safe.
 *
 * <h2>Where a chunk ends</h2>
 * <ul>
 *   <li>The <b>first</b> chunk is eager so that speech starts early: it ends at clause punctuation
 *       ({@code , ; : — –}, a spaced {@code -}) or a sentence end ({@code . ! ? …}, a line break)
 *       once it is {@link ChunkerSettings#firstChunkMinChars()} long, or before the next word once
 *       it holds {@link ChunkerSettings#firstChunkMaxWords()} words; not right after a word that
 *       leans on the next one (a number as in {@code 3 p.m.}, an article or preposition as in
 *       {@code the}, {@code of}), then one word later.
 *   <li><b>Later</b> chunks end at a sentence end or a line break once they are
 *       {@link ChunkerSettings#minChunkChars()} long.
 *   <li>A chunk that grows past {@link ChunkerSettings#maxChunkChars()} without such an end is cut
 *       at its last clause punctuation (if that leaves at least {@code minChunkChars}), else before
 *       the word that crossed the limit. Words are never split, so a single word longer than the
 *       limit stays whole.
 *   <li>A fenced code block ({@code ```} or {@code ~~~} at the start of a line) is always a chunk of
 *       its own, whole: the text before it is cut off when the fence opens, the block ends after
 *       its closing fence line. {@link SpeakableText#clean} then drops it.
 * </ul>
 *
 * <h2>What is not an end</h2>
 * Punctuation ends a clause or sentence only when whitespace follows (closing quotes, brackets and
 * markdown emphasis may come between), so decimals ({@code 3.14}, {@code $29.99}, {@code 1,000}),
 * times ({@code 10:30}), URLs and e-mail addresses ({@code example.com/a.b},
 * {@code bob@mail.example.org}) never split. A period is also no end after a title or similar
 * abbreviation ({@code Dr. Mr. Mrs. Ms. St. vs. e.g. i.e. cf.}), after an initial ({@code J.}),
 * after a list marker at the start of a line ({@code 1.}, {@code a.}), after a number following a
 * word such as {@code Step}/{@code Chapter}/{@code Part} ({@code Step 2. Do x}), after
 * {@code No.}/{@code Fig.}/{@code p.} followed by a number, nor when the next word starts with a
 * lower-case letter ({@code 9 a.m. tomorrow}, {@code apples etc. and}). Nothing but the length
 * limit cuts inside an inline code span or a markdown link label ({@code [the docs, part 1](url)}). CJK full stops ({@code 。！？}) end a sentence without needing whitespace.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Chunks are the raw text exactly as the LLM wrote it: whitespace after a boundary belongs to
 *       the chunk it ends, so every chunk but possibly the very first starts with a visible
 *       character. Concatenating every chunk emitted by {@link #append} and the final
 *       {@link #flush} gives back the whole input.
 *   <li>The chunk sequence does not depend on how the stream was split into tokens: a decision is
 *       taken only once the characters it depends on (up to the first character of the next word)
 *       have arrived.
 *   <li>Each character is scanned once, when it arrives; nothing is allocated per token except the
 *       strings of emitted chunks.
 * </ul>
 */
public final class SpeechChunker {
  // The strength of the boundary in front of a word: what kind of cut may happen there.
  /** No cut, not even between words (after "Dr.", after the list marker "1."). */
  private static final int NONE = 0;
  /** Whitespace where only the length limit may cut: after "the", after a number ("3 p.m."). */
  private static final int WEAK = 1;
  /** Plain whitespace between two words. */
  private static final int WORD = 2;
  /** After clause punctuation. */
  private static final int CLAUSE = 3;
  /** After a sentence end or a line break. */
  private static final int SENTENCE = 4;
  /** Must be cut whatever the length: after a fenced code block. */
  private static final int FORCED = 5;

  // A period after these (lower-cased, without the period) never ends a sentence.
  private static final String[] TITLES = {
    "mr", "mrs", "ms", "mx", "dr", "prof", "st", "mt", "rev", "fr", "gen", "col", "lt", "sgt", "capt",
    "cmdr", "gov", "sen", "rep", "hon", "pres", "vs", "v", "e.g", "i.e", "cf", "viz", "approx"
  };
  // A period after these is no sentence end when a number follows: "No. 5", "Fig. 3", "p. 12".
  private static final String[] BEFORE_NUMBER = {
    "no", "nos", "nr", "fig", "figs", "vol", "vols", "p", "pp", "ch", "chap", "sec", "art", "eq", "op",
    "ex", "pt"
  };
  // "Step 2. Do x": a number after one of these words is a label, its period no sentence end.
  private static final String[] LABEL_WORDS = {
    "step", "chapter", "section", "part", "phase", "stage", "option", "item", "rule", "lesson", "level",
    "round", "page", "question", "tip", "point", "article", "figure", "exercise", "problem", "example",
    "verse", "act", "scene", "season", "episode", "version"
  };

  // Speech should not pause right after these: the eager first chunk takes one more word.
  private static final String[] FUNCTION_WORDS = {
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "about", "as",
    "than", "and", "or", "but", "nor", "my", "your", "his", "her", "its", "our", "their", "this", "that",
    "these", "those", "very", "not", "no"
  };

  private final ChunkerSettings settings;
  /** The text not emitted yet; buffer[0] is at absolute stream offset {@link #base}. */
  private final StringBuilder buffer = new StringBuilder();
  private int base;
  private int chunksEmitted;
  /** Whether a chunk other than a fenced code block was emitted: the first such one is eager. */
  private boolean spokenChunkEmitted;

  // The current chunk (absolute offsets; -1 = none)
  private int contentStart = -1;
  private int wordsInChunk;
  private int lastClauseCut = -1;
  private int lastWordCut = -1;

  // Words
  private boolean prevWhitespace = true;
  private char prevChar;
  private int wordStart;
  private boolean wordHasAlnum;
  private int wordEnd;
  private int prevWordStart = -1;
  private int prevWordEnd = -1;
  private int wordIndexInLine;
  private boolean splitAfterPrev;

  // The boundary in front of the next word, decided when the previous word ended
  private int pendingClass = NONE;
  private boolean lowerCaseDemotes;
  private boolean digitCancels;

  // Lines, inline code and code fences
  private boolean leadRunOpen = true;
  private char leadRunChar;
  private int leadRunLen;
  private int leadRunStart;
  private int indent;
  private boolean lineRestBlank = true;
  private boolean inInlineCode;
  private boolean inLinkLabel;
  private boolean inFence;
  private boolean fenceOpeningLine;
  private char fenceChar;
  private int fenceLen;

  /**
   * A chunker with the given settings, for one answer.
   *
   * @param settings how eagerly to cut; not null, e.g. {@link ChunkerSettings#DEFAULT}
   */
  public SpeechChunker(ChunkerSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Appends a token and emits every chunk that is now complete, raw text as the LLM wrote it.
   *
   * @param delta the next piece of the answer, possibly empty
   * @param out receives each complete chunk, in order
   */
  public void append(CharSequence delta, Consumer<String> out) {
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(out, "out");
    int from = base + buffer.length();
    buffer.append(delta);
    int n = delta.length();
    for (int k = 0; k < n; k++) {
      scan(delta.charAt(k), from + k, out);
    }
  }

  /**
   * Emits whatever is buffered as one chunk: at the end of the stream (then the chunks emitted so
   * far add up to the whole input). Emits nothing when nothing is buffered. For a pause in the
   * middle of the stream use {@link #flushIdle}, which does not cut a code block in two. The
   * chunker stays usable: text appended afterwards continues the same answer.
   *
   * @param out receives the chunk, if any
   */
  public void flush(Consumer<String> out) {
    Objects.requireNonNull(out, "out");
    if (buffer.length() == 0) {
      return;
    }
    String chunk = buffer.toString();
    base += buffer.length();
    buffer.setLength(0);
    afterEmit(base, inFence);
    out.accept(chunk);
  }

  /**
   * Like {@link #flush} but for a pause in the stream (no token for
   * {@link ChunkerSettings#idleFlush()}): speaks what is buffered, except inside an unclosed fenced
   * code block, which is never spoken and must stay whole, so it keeps waiting for its end. The
   * text before the fence was already emitted when the fence opened.
   *
   * @param out receives the chunk, if any
   */
  public void flushIdle(Consumer<String> out) {
    Objects.requireNonNull(out, "out");
    if (!inFence) {
      flush(out);
    }
  }

  /**
   * Whether text is waiting for a boundary.
   *
   * @return true when anything is buffered, possibly only whitespace or an open code block
   */
  public boolean hasBufferedText() {
    return buffer.length() > 0;
  }

  /**
   * How many chunks this chunker has emitted so far.
   *
   * @return the chunks emitted by {@link #append} and the flushes, zero or more
   */
  public int chunksEmitted() {
    return chunksEmitted;
  }

  // ------------------------------------------------------------------------------------------

  private void scan(char c, int i, Consumer<String> out) {
    boolean ws = Character.isWhitespace(c);
    if (c == '\n') {
      endLine(i);
    } else {
      trackLineStart(c, i, ws, out);
    }
    if (inFence) {
      prevWhitespace = ws;
      prevChar = c;
      return;
    }
    if (ws) {
      if (!prevWhitespace) {
        endWord(i);
      }
      splitAfterPrev = false;
      if (c == '\n') {
        pendingClass = Math.max(pendingClass, SENTENCE);
        lowerCaseDemotes = false;
        digitCancels = false;
        wordIndexInLine = 0;
      }
    } else {
      if (prevWhitespace) {
        startWord(i, c, out);
      } else if (splitAfterPrev && (Character.isLetterOrDigit(c) || isOpener(c))) {
        // "word—word", "。次": a boundary without whitespace
        endWord(i);
        startWord(i, c, out);
      }
      if (c == '`' && !leadRunOpen && prevChar != '`') {
        inInlineCode = !inInlineCode;
      } else if (c == '[' && !inInlineCode) {
        inLinkLabel = true;
      } else if (c == ']') {
        inLinkLabel = false;
      }
      if (Character.isLetterOrDigit(c)) {
        wordHasAlnum = true;
      }
      if (!isCloser(c)) {
        splitAfterPrev = c == '—' || c == '…' || c == '。' || c == '！' || c == '？' || c == '，'
            || c == '、' || c == '；' || c == '：';
      }
    }
    prevWhitespace = ws;
    prevChar = c;
  }

  /** Follows the start of a line to find code fences (and inline code opened at a line start). */
  private void trackLineStart(char c, int i, boolean ws, Consumer<String> out) {
    if (!leadRunOpen) {
      if (!ws) {
        lineRestBlank = false;
      }
      return;
    }
    boolean fenceMark = c == '`' || c == '~';
    if (fenceMark && (leadRunLen == 0 || c == leadRunChar)) {
      if (leadRunLen == 0) {
        leadRunChar = c;
        leadRunStart = i;
      }
      leadRunLen++;
      if (!inFence && leadRunLen == 3) {
        openFence(out);
      } else if (fenceOpeningLine) {
        fenceLen = leadRunLen;
      }
    } else if (c == ' ' && leadRunLen == 0 && indent < 3) {
      indent++;
    } else {
      endLeadRun();
      if (!ws) {
        lineRestBlank = false;
      }
    }
  }

  private void endLeadRun() {
    leadRunOpen = false;
    if (!inFence && leadRunChar == '`' && leadRunLen > 0 && leadRunLen < 3) {
      inInlineCode = !inInlineCode;
    }
  }

  private void openFence(Consumer<String> out) {
    if (contentStart >= 0 && contentStart < leadRunStart) {
      emit(leadRunStart, false, out);
    }
    if (contentStart < 0) {
      contentStart = leadRunStart;
    }
    inFence = true;
    fenceOpeningLine = true;
    fenceChar = leadRunChar;
    fenceLen = leadRunLen;
    inInlineCode = false;
  }

  private void endLine(int i) {
    if (leadRunOpen) {
      endLeadRun();
    }
    if (inFence && !fenceOpeningLine && leadRunChar == fenceChar && leadRunLen >= fenceLen
        && lineRestBlank) {
      inFence = false;
      pendingClass = FORCED;
      wordEnd = i;
      prevWhitespace = true; // the fence line is no word to end
    }
    fenceOpeningLine = false;
    leadRunOpen = true;
    leadRunChar = 0;
    leadRunLen = 0;
    indent = 0;
    lineRestBlank = true;
    inInlineCode = false;
    inLinkLabel = false;
  }

  private void endWord(int i) {
    wordEnd = i;
    if (wordHasAlnum) {
      wordsInChunk++;
    }
    lowerCaseDemotes = false;
    digitCancels = false;
    pendingClass = classifyWordEnd(Math.max(wordStart, base), i);
    prevWordStart = wordStart;
    prevWordEnd = i;
    wordIndexInLine++;
  }

  /** The boundary a word leaves behind, from its trailing punctuation. */
  private int classifyWordEnd(int s, int e) {
    int k = e;
    while (k > s && isCloser(at(k - 1))) {
      k--;
    }
    if (k == s) {
      return WORD;
    }
    char p = at(k - 1);
    switch (p) {
      case '!', '?', '…', '‼', '⁉', '。', '！', '？':
        return SENTENCE;
      case ',', ';', ':', '—', '–', '，', '、', '；', '：':
        return CLAUSE;
      case '-':
        // a spaced hyphen used as a dash, not a bullet at the start of a line
        return wordIndexInLine > 0 && (k - s == 1 || (k - s == 2 && at(s) == '-')) ? CLAUSE : WORD;
      case '.':
        return classifyPeriod(s, k);
      default:
        return k < e || !joinsTheNextWord(s, k) ? WORD : WEAK;
    }
  }

  /** A number ("3", "$9.99", "2-3") or a function word ("the", "of"): it leans on the next word. */
  private boolean joinsTheNextWord(int s, int e) {
    char first = at(s);
    if ((first >= '0' && first <= '9') || first == '$' || first == '€' || first == '£' || first == '¥') {
      for (int k = s; k < e; k++) {
        if (Character.isLetter(at(k))) {
          return false;
        }
      }
      return true;
    }
    return e - s <= 5 && Character.isLetter(first) && matchesAny(s, e, FUNCTION_WORDS);
  }

  private int classifyPeriod(int s, int k) {
    if (k - s >= 3 && at(k - 2) == '.' && at(k - 3) == '.') {
      return SENTENCE; // an ellipsis is a pause whatever follows
    }
    int a = s;
    while (a < k - 1 && isOpener(at(a))) {
      a++;
    }
    int body = k - 1 - a; // the word without openers and the final period
    if (body > 0 && allDigits(a, k - 1)) {
      if (wordIndexInLine == 0 && body <= 3) {
        return NONE; // "1." list marker
      }
      if (prevWordStart >= base && wordIndexInLine > 0 && matchesAny(prevWordStart, prevWordEnd, LABEL_WORDS)) {
        return NONE; // "Step 2."
      }
    } else if (body == 1 && Character.isLetter(at(a))) {
      if (wordIndexInLine == 0 || Character.isUpperCase(at(a))) {
        return NONE; // "a." list marker, "J." initial
      }
    }
    if (matchesAny(a, k - 1, TITLES)) {
      return NONE;
    }
    digitCancels = matchesAny(a, k - 1, BEFORE_NUMBER);
    lowerCaseDemotes = true;
    return SENTENCE;
  }

  private void startWord(int i, char c, Consumer<String> out) {
    int cls = pendingClass;
    if (lowerCaseDemotes && Character.isLowerCase(c) && cls < FORCED) {
      cls = WORD;
    }
    if (digitCancels && c >= '0' && c <= '9' && cls < FORCED) {
      cls = NONE;
    }
    pendingClass = NONE;
    lowerCaseDemotes = false;
    digitCancels = false;
    considerCut(i, cls, out);
    if (contentStart < 0) {
      contentStart = i;
    }
    wordStart = i;
    wordHasAlnum = false;
  }

  private void considerCut(int i, int cls, Consumer<String> out) {
    if (contentStart < 0) {
      return; // nothing but whitespace so far
    }
    if (cls == FORCED) {
      emit(i, true, out);
      return;
    }
    // inside `inline code` or a [link label] only the length limit may cut
    boolean inSpan = inInlineCode || inLinkLabel;
    int len = wordEnd - contentStart;
    boolean ends = !spokenChunkEmitted
        ? (cls >= CLAUSE && len >= settings.firstChunkMinChars())
            || (cls >= WORD && wordsInChunk >= settings.firstChunkMaxWords())
        : cls >= SENTENCE && len >= settings.minChunkChars();
    if (ends && !inSpan) {
      emit(i, false, out);
      return;
    }
    if (len > settings.maxChunkChars()) {
      int cut = lastClauseCut >= 0 ? lastClauseCut : lastWordCut >= 0 ? lastWordCut : i;
      emit(cut, false, out);
      len = wordEnd - contentStart;
    }
    if (!inSpan && i > contentStart) {
      if (cls >= CLAUSE && len >= settings.minChunkChars()) {
        lastClauseCut = i;
      }
      if (cls >= WEAK) {
        lastWordCut = i;
      }
    }
  }

  private void emit(int cut, boolean fenceBlock, Consumer<String> out) {
    int n = cut - base;
    String chunk = buffer.substring(0, n);
    buffer.delete(0, n);
    base = cut;
    afterEmit(cut, fenceBlock);
    out.accept(chunk);
  }

  private void afterEmit(int cut, boolean fenceBlock) {
    chunksEmitted++;
    if (!fenceBlock) {
      spokenChunkEmitted = true;
    }
    contentStart = cut < base + buffer.length() ? cut : -1;
    wordsInChunk = 0;
    lastClauseCut = -1;
    lastWordCut = -1;
  }

  private char at(int abs) {
    return buffer.charAt(abs - base);
  }

  private boolean allDigits(int from, int to) {
    for (int k = from; k < to; k++) {
      char ch = at(k);
      if (ch < '0' || ch > '9') {
        return false;
      }
    }
    return true;
  }

  private boolean matchesAny(int from, int to, String[] words) {
    int len = to - from;
    for (String w : words) {
      if (w.length() == len && regionEqualsIgnoreCase(from, w)) {
        return true;
      }
    }
    return false;
  }

  private boolean regionEqualsIgnoreCase(int from, String w) {
    for (int k = 0; k < w.length(); k++) {
      if (Character.toLowerCase(at(from + k)) != w.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isCloser(char c) {
    return switch (c) {
      case '"', '\'', '”', '’', '»', ')', ']', '}', '*', '_', '`', '」', '』', '）', '】', '》' -> true;
      default -> false;
    };
  }

  private static boolean isOpener(char c) {
    return switch (c) {
      case '"', '\'', '“', '‘', '«', '(', '[', '{', '*', '_', '`', '「', '『', '（', '【', '《' -> true;
      default -> false;
    };
  }
}
