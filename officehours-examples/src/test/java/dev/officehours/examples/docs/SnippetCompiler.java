package dev.officehours.examples.docs;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a {@link JavaSnippet} with the JDK's compiler against this module's test classpath
 * (core, redis, examples and their dependencies: what a user of the artifacts has), for Java 17,
 * with every lint on. A snippet fails on any error, and on any warning in its own lines
 * (deprecation and removal among them): a user who pastes it must get clean code.
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

  static Result compile(JavaSnippet snippet, Path classesDir) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject file = new SimpleJavaFileObject(
        URI.create("string:///" + snippet.typeName() + JavaFileObject.Kind.SOURCE.extension), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return snippet.source();
      }
    };
    List<String> options = List.of("--release", RELEASE, "-Xlint:all", "-proc:none", "-encoding", "UTF-8",
        "-classpath", classpath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
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
    return new Result(failures, messages);
  }

  /**
   * This JVM's class path as javac needs it. Surefire may start the tests with a manifest-only jar
   * on {@code java.class.path}; the jars its {@code Class-Path} names are what javac must see.
   */
  static List<Path> classpath() {
    List<String> entries = new ArrayList<>();
    for (String property : List.of("java.class.path", "surefire.test.class.path")) {
      String value = System.getProperty(property);
      if (value != null && !value.isBlank()) {
        entries.addAll(List.of(value.split(File.pathSeparator)));
      }
    }
    return expand(entries);
  }

  /** {@code entries} that exist, each followed by what its jar manifest's {@code Class-Path} names. */
  static List<Path> expand(List<String> entries) {
    Set<Path> expanded = new LinkedHashSet<>();
    for (String entry : entries) {
      addWithManifestClassPath(Path.of(entry).toAbsolutePath().normalize(), expanded);
    }
    return List.copyOf(expanded);
  }

  private static void addWithManifestClassPath(Path entry, Set<Path> entries) {
    if (!Files.exists(entry) || !entries.add(entry) || !Files.isRegularFile(entry)) {
      return;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest manifest = jar.getManifest();
      String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (classPath == null) {
        return;
      }
      URI base = entry.getParent().toUri();
      for (String item : classPath.trim().split("\\s+")) {
        URI uri = base.resolve(item);
        if ("file".equals(uri.getScheme())) {
          addWithManifestClassPath(Path.of(uri).normalize(), entries);
        }
      }
    } catch (IOException e) {
      // Not a jar (or unreadable): javac reads it as it is.
    }
  }
}
