package dev.officehours.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Markdown file of the repository, read the way GitHub renders it as far as the docs need:
 * fenced code blocks (``` or ~~~, indented or not, closed by a fence at least as long), inline and
 * reference links outside code, and the anchors of its headings.
 */
record MarkdownFile(String name, Path path, List<String> lines) {
  private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^\\s`]*)[^`]*$");
  private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
  private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
  private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");

  /** A fenced code block: where its opening fence is, its info string's first word, its text. */
  record CodeBlock(String file, int line, String language, String body) {
    /** {@code file:line}, the name of its test case. */
    @Override
    public String toString() {
      return file + ":" + line;
    }
  }

  /** A link target as written, and where. */
  record Link(String file, int line, String target) {
    @Override
    public String toString() {
      return file + ":" + line + " -> " + target;
    }
  }

  static MarkdownFile read(Path root, Path path) {
    try {
      String name = root.relativize(path).toString().replace('\\', '/');
      return new MarkdownFile(name, path, Files.readAllLines(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file made from text, for the rules' own tests. */
  static MarkdownFile of(String name, String text) {
    return new MarkdownFile(name, Path.of(name), List.of(text.split("\n", -1)));
  }

  /** Its path from the repository root, the name of its test case. */
  @Override
  public String toString() {
    return name;
  }

  List<CodeBlock> codeBlocks() {
    List<CodeBlock> blocks = new ArrayList<>();
    scan((lineNo, block) -> blocks.add(block), (lineNo, text) -> {});
    return blocks;
  }

  /** A line outside code blocks, and its number. */
  record ProseLine(int line, String text) {}

  /** Its lines outside code blocks. */
  List<ProseLine> prose() {
    List<ProseLine> prose = new ArrayList<>();
    scan((lineNo, block) -> {}, (lineNo, text) -> prose.add(new ProseLine(lineNo, text)));
    return prose;
  }

  /** Every link target outside code blocks and code spans, inline or reference-style. */
  List<Link> links() {
    List<Link> links = new ArrayList<>();
    scan((lineNo, block) -> {}, (lineNo, text) -> {
      String prose = CODE_SPAN.matcher(text).replaceAll("");
      Matcher m = INLINE_LINK.matcher(prose);
      while (m.find()) {
        links.add(new Link(name, lineNo, m.group(1)));
      }
      Matcher d = REFERENCE_DEFINITION.matcher(prose);
      if (d.matches()) {
        links.add(new Link(name, lineNo, d.group(1)));
      }
    });
    return links;
  }

  /** The anchors GitHub gives this file's headings ({@code #against-the-server}). */
  Set<String> anchors() {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    scan((lineNo, block) -> {}, (lineNo, text) -> {
      Matcher m = HEADING.matcher(text);
      if (m.matches()) {
        String slug = slug(m.group(1));
        int n = seen.merge(slug, 1, Integer::sum) - 1;
        anchors.add(n == 0 ? slug : slug + "-" + n);
      }
    });
    return anchors;
  }

  /** GitHub's heading slug: link text kept, markup and punctuation dropped, spaces to hyphens. */
  static String slug(String heading) {
    String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "");
    StringBuilder slug = new StringBuilder();
    text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        slug.appendCodePoint(c);
      } else if (c == ' ') {
        slug.append('-');
      }
    });
    return slug.toString();
  }

  private interface BlockVisitor {
    void visit(int line, CodeBlock block);
  }

  private interface LineVisitor {
    void visit(int line, String text);
  }

  /** Walks the file once: code blocks to {@code blocks}, every line outside them to {@code prose}. */
  private void scan(BlockVisitor blocks, LineVisitor prose) {
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        prose.visit(i + 1, lines.get(i));
        continue;
      }
      int indent = open.group(1).length();
      String fence = open.group(2);
      String language = open.group(3).toLowerCase(Locale.ROOT);
      StringBuilder body = new StringBuilder();
      int j = i + 1;
      for (; j < lines.size(); j++) {
        String line = lines.get(j);
        String trimmed = line.strip();
        if (trimmed.startsWith(fence) && trimmed.chars().allMatch(c -> c == fence.charAt(0))) {
          break;
        }
        int strip = 0;
        while (strip < indent && strip < line.length() && line.charAt(strip) == ' ') {
          strip++;
        }
        body.append(line.substring(strip)).append('\n');
      }
      if (j == lines.size()) {
        throw new IllegalStateException(name + ":" + (i + 1) + ": the code block opened here is never closed");
      }
      blocks.visit(i + 1, new CodeBlock(name, i + 1, language, body.toString()));
      i = j;
    }
  }
}
