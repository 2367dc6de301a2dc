package dev.officehours.examples.docs;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository's user documentation: README.md and docs/*.md, found from this module's directory. */
final class Docs {
  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "^public\\s+((final|abstract|sealed|non-sealed)\\s+)*(class|interface|enum|record|@interface)\\s+(\\w+)",
      Pattern.MULTILINE);

  private Docs() {}

  /** The repository root: the parent of officehours-examples, where README.md is. */
  static Path root() {
    Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    Path root = module.getParent();
    if (root == null || !Files.isRegularFile(root.resolve("README.md")) || !Files.isDirectory(root.resolve("docs"))) {
      throw new IllegalStateException("no README.md and docs/ next to the module directory " + module);
    }
    return root;
  }

  /** README.md, then docs/*.md by name. */
  static List<MarkdownFile> files() {
    Path root = root();
    List<MarkdownFile> files = new ArrayList<>();
    files.add(MarkdownFile.read(root, root.resolve("README.md")));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted()
          .forEach(p -> files.add(MarkdownFile.read(root, p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** {@link #files()}, CHANGELOG.md and CONTRIBUTING.md: every file that may name a version of OfficeHours. */
  static List<MarkdownFile> filesNamingVersions() {
    Path root = root();
    List<MarkdownFile> files = new ArrayList<>(files());
    for (String name : List.of("CHANGELOG.md", "CONTRIBUTING.md")) {
      if (Files.isRegularFile(root.resolve(name))) {
        files.add(MarkdownFile.read(root, root.resolve(name)));
      }
    }
    return files;
  }

  static List<CodeBlock> codeBlocks() {
    return files().stream().flatMap(f -> f.codeBlocks().stream()).toList();
  }

  static List<CodeBlock> javaBlocks() {
    return codeBlocks().stream().filter(b -> b.language().equals("java")).toList();
  }

  /** The one ```java block of {@code file} that declares {@code type}; fails if there is not exactly one. */
  static JavaSnippet snippetDeclaring(String file, String type) {
    List<JavaSnippet> found = javaBlocks().stream().filter(b -> b.file().equals(file)).map(JavaSnippet::of)
        .filter(s -> s.isCompilationUnit() && s.typeName().equals(type)).toList();
    if (found.size() != 1) {
      throw new AssertionError(file + " should have exactly one ```java block declaring " + type + " but has "
          + found.size());
    }
    return found.get(0);
  }

  /** Simple names of the public types in the main sources of every module. */
  static Set<String> sdkTypes() {
    Set<String> types = new TreeSet<>();
    try (Stream<Path> modules = Files.list(root())) {
      for (Path sources : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
        try (Stream<Path> javaFiles = Files.walk(sources)) {
          for (Path file : javaFiles.filter(p -> p.toString().endsWith(".java")).toList()) {
            Matcher m = PUBLIC_TYPE.matcher(Files.readString(file));
            while (m.find()) {
              types.add(m.group(4));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return types;
  }
}
