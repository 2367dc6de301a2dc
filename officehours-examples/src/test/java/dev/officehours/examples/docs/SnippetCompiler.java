package dev.officehours.examples.docs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a {@link JavaSnippet} with the JDK's compiler, for Java 17, with every lint on, against
 * what its reader has: the compile class path README's dependency lines give (core, redis and
 * what they bring, {@link UserClasspath#readme()}), or, for a snippet that imports {@code
 * dev.officehours.examples}, that and the examples module ({@link UserClasspath#examples()}).
 * Never this JVM's whole class path, which holds the examples' libraries and the test libraries.
 * A snippet fails on any error, and on any warning in its own lines (deprecation and removal among
 * them): a user who pastes it must get clean code. An import its reader lacks fails with a message
 * naming the artifact that has it.
 */
final class SnippetCompiler {
  /** The Java release the SDK supports; snippets must compile for it. */
  static final String RELEASE = "17";

  /** What a compilation gave: the problems that fail the snippet, and every message for context. */
  record Result(List<String> failures, List<String> messages) {
    boolean ok() {
      return failures.isEmpty();
    }
  }

  private SnippetCompiler() {}

  /** Whose dependencies {@code snippet} is compiled and run with. */
  static UserClasspath.Dependencies dependenciesOf(JavaSnippet snippet) {
    return snippet.usesExamples() ? UserClasspath.examples() : UserClasspath.readme();
  }

  static Result compile(JavaSnippet snippet, Path classesDir) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
    }
    UserClasspath.Dependencies dependencies = dependenciesOf(snippet);
    List<Path> classpath = dependencies.compileClasspath();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject file = new SimpleJavaFileObject(
        URI.create("string:///" + snippet.typeName() + JavaFileObject.Kind.SOURCE.extension), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return snippet.source();
      }
    };
    List<String> options = List.of("--release", RELEASE, "-Xlint:all", "-proc:none", "-encoding", "UTF-8",
        "-classpath", classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
        "-d", classesDir.toString());
    try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      javac.getTask(null, files, diagnostics, options, null, List.of(file)).call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> failures = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      boolean inSnippet = d.getSource() == file;
      String where = inSnippet && snippet.markdownLine(d.getLineNumber()) > 0
          ? snippet.block().file() + ":" + snippet.markdownLine(d.getLineNumber())
          : inSnippet ? snippet.block() + " (source line " + d.getLineNumber() + ")" : "javac";
      String text = where + ": " + d.getKind().toString().toLowerCase(Locale.ROOT) + ": " + d.getMessage(Locale.ROOT);
      messages.add(text);
      boolean warning = d.getKind() == Diagnostic.Kind.WARNING || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING;
      boolean deprecation = d.getCode() != null && (d.getCode().contains("deprecat") || d.getCode().contains("removal"));
      if (d.getKind() == Diagnostic.Kind.ERROR || (warning && inSnippet) || deprecation) {
        failures.add(text);
      }
    }
    if (!failures.isEmpty()) {
      failures.addAll(0, missingImports(snippet, dependencies, classpath));
    }
    return new Result(failures, messages);
  }

  /**
   * For each import of {@code snippet} that {@code classpath} cannot resolve but this JVM's class
   * path can: where the reader would have to get it from.
   */
  static List<String> missingImports(JavaSnippet snippet, UserClasspath.Dependencies dependencies, List<Path> classpath) {
    List<String> missing = new ArrayList<>();
    for (JavaSnippet.Import i : snippet.imports()) {
      List<String> candidates = i.candidates();
      if (classpath.stream().anyMatch(entry -> candidates.stream().anyMatch(c -> UserClasspath.holds(entry, c)))) {
        continue;
      }
      Optional<Path> holder = UserClasspath.entries().stream()
          .filter(entry -> candidates.stream().anyMatch(c -> UserClasspath.holds(entry, c))).findFirst();
      if (holder.isEmpty()) {
        continue; // javac's own message says it: no such class anywhere
      }
      String where = snippet.block().file() + ":" + i.markdownLine() + ": error: " + i.name() + " is in ";
      Optional<UserClasspath.Artifact> artifact = UserClasspath.identify(holder.get());
      if (artifact.isEmpty()) {
        missing.add(where + holder.get() + ", test code of this build that no user has");
      } else if (dependencies.artifacts().get(artifact.get().key()) == UserClasspath.Scope.RUNTIME) {
        missing.add(where + artifact.get().key() + ", which " + dependencies.lines() + " bring only at run time"
            + " (runtime scope): a user's compiler does not see it");
      } else {
        missing.add(where + artifact.get().key() + ", which " + dependencies.lines() + " do not include: a user"
            + " who pastes this snippet cannot compile it. Use only what those lines bring"
            + (snippet.usesExamples() ? "" : " (or, to use the examples module, import dev.officehours.examples and"
                + " say to depend on officehours-examples, as docs/server.md does)")
            + ", or give the dependency line it needs in the docs and in UserClasspath");
      }
    }
    return missing;
  }
}
