package dev.officehours.examples.docs;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ```java block turned into the source a user gets by pasting it, under the rules that keep
 * snippets honest:
 *
 * <ul>
 *   <li>a snippet that declares a top-level type (class, interface, enum, record) is a whole
 *       compilation unit and compiles as written;
 *   <li>any other snippet is statements: its {@code import} lines move above a class, the rest
 *       becomes the body of {@code void snippet() throws Exception}. Nothing else is added, no
 *       import and no variable, so every name it uses must be imported or declared in it.
 * </ul>
 *
 * Lines keep their numbers relative to the block, so a compiler message maps back to the line of
 * the Markdown file.
 */
final class JavaSnippet {
  /** The class a statements snippet is wrapped in. */
  static final String WRAPPER = "Snippet";

  private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;\\s*(//.*)?$");
  private static final Pattern IMPORTED = Pattern.compile("^\\s*import\\s+(static\\s+)?([\\w.]+?)(\\.\\*)?\\s*;");
  private static final Pattern TYPE = Pattern.compile("^\\s*((?:public|protected|private|abstract|final|static|sealed"
      + "|non-sealed|strictfp)\\s+)*(class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*)");

  private final CodeBlock block;
  private final String source;
  private final String typeName;
  private final int bodyOffset;
  private final boolean compilationUnit;

  private JavaSnippet(CodeBlock block, String source, String typeName, int bodyOffset, boolean compilationUnit) {
    this.block = block;
    this.source = source;
    this.typeName = typeName;
    this.bodyOffset = bodyOffset;
    this.compilationUnit = compilationUnit;
  }

  static JavaSnippet of(CodeBlock block) {
    List<String> lines = List.of(block.body().split("\n", -1));
    List<String> topLevelTypes = topLevelTypes(lines);
    if (!topLevelTypes.isEmpty()) {
      String publicType = topLevelTypes.stream().filter(t -> t.startsWith("public ")).findFirst()
          .orElse(topLevelTypes.get(0));
      return new JavaSnippet(block, block.body(), publicType.substring(publicType.lastIndexOf(' ') + 1), 0, true);
    }
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    int importCount = 0;
    for (String line : lines) {
      if (IMPORT.matcher(line).matches()) {
        imports.append(line.strip()).append('\n');
        importCount++;
        body.append('\n');
      } else {
        body.append("    ").append(line).append('\n');
      }
    }
    String source = imports + "class " + WRAPPER + " {\n  void snippet() throws Exception {\n" + body + "  }\n}\n";
    return new JavaSnippet(block, source, WRAPPER, importCount + 2, false);
  }

  CodeBlock block() {
    return block;
  }

  /** An import line: what it imports, and the line of the Markdown file it is on. */
  record Import(String name, boolean isStatic, boolean onDemand, int markdownLine) {
    /**
     * The class files (or, for {@code pkg.*}, the package directory ending in '/') one of which
     * a class path must hold for the import to resolve: {@code a.b.C.D} may be class {@code D}
     * nested in {@code a.b.C} or a class of package {@code a.b.C}.
     */
    List<String> candidates() {
      String type = isStatic ? (onDemand ? name : name.substring(0, name.lastIndexOf('.'))) : name;
      if (onDemand && !isStatic) {
        List<String> found = new ArrayList<>(List.of(type.replace('.', '/') + "/"));
        found.addAll(new Import(name, false, false, markdownLine).candidates());
        return found;
      }
      List<String> found = new ArrayList<>();
      String[] parts = type.split("\\.");
      for (int split = parts.length - 1; split >= 0; split--) {
        String pkg = String.join("/", List.of(parts).subList(0, split));
        String classes = String.join("$", List.of(parts).subList(split, parts.length));
        found.add((pkg.isEmpty() ? "" : pkg + "/") + classes + ".class");
      }
      return found;
    }
  }

  /** Its import lines, in order. */
  List<Import> imports() {
    List<Import> imports = new ArrayList<>();
    String[] lines = block.body().split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = IMPORTED.matcher(lines[i]);
      if (m.find()) {
        imports.add(new Import(m.group(2), m.group(1) != null, m.group(3) != null, block.line() + i + 1));
      }
    }
    return imports;
  }

  /**
   * Whether it uses the examples module ({@code dev.officehours.examples}), which the docs then
   * tell the reader to depend on; other snippets may use only what README's dependency lines bring.
   */
  boolean usesExamples() {
    return imports().stream().anyMatch(i -> i.name().startsWith("dev.officehours.examples."));
  }

  /** What is compiled. */
  String source() {
    return source;
  }

  /** The public (or else the first) top-level type, or {@value #WRAPPER}; names the source file. */
  String typeName() {
    return typeName;
  }

  boolean isCompilationUnit() {
    return compilationUnit;
  }

  /** The Markdown line that holds line {@code sourceLine} of {@link #source()}; 0 outside the block. */
  int markdownLine(long sourceLine) {
    long blockLine = sourceLine - bodyOffset;
    return blockLine < 1 || blockLine > block.body().split("\n", -1).length ? 0 : block.line() + (int) blockLine;
  }

  /** The source with line numbers, for failure messages. */
  String numberedSource() {
    StringBuilder out = new StringBuilder();
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      out.append(String.format("%4d| %s%n", i + 1, lines[i]));
    }
    return out.toString();
  }

  /**
   * The top-level type declarations, as "modifiers kind Name": lines at brace depth 0, outside
   * comments and literals, that start a class, interface, enum or record.
   */
  static List<String> topLevelTypes(List<String> lines) {
    List<String> types = new ArrayList<>();
    int depth = 0;
    boolean blockComment = false;
    boolean textBlock = false;
    for (String line : lines) {
      StringBuilder code = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (blockComment) {
          if (line.startsWith("*/", i)) {
            blockComment = false;
            i++;
          }
        } else if (textBlock) {
          if (line.startsWith("\"\"\"", i)) {
            textBlock = false;
            i += 2;
          }
        } else if (line.startsWith("//", i)) {
          break;
        } else if (line.startsWith("/*", i)) {
          blockComment = true;
          i++;
        } else if (line.startsWith("\"\"\"", i)) {
          textBlock = true;
          i += 2;
        } else if (c == '"' || c == '\'') {
          int j = i + 1;
          while (j < line.length() && line.charAt(j) != c) {
            j += line.charAt(j) == '\\' ? 2 : 1;
          }
          i = j;
          code.append(' ');
        } else {
          code.append(c);
        }
      }
      if (depth == 0) {
        Matcher m = TYPE.matcher(code);
        if (m.find()) {
          types.add((m.group(1) == null ? "" : m.group(0).substring(0, m.start(2)).strip().replaceAll("\\s+", " ") + " ")
              + m.group(2) + " " + m.group(3));
        }
      }
      for (int i = 0; i < code.length(); i++) {
        if (code.charAt(i) == '{') {
          depth++;
        } else if (code.charAt(i) == '}') {
          depth--;
        }
      }
    }
    return types;
  }
}
