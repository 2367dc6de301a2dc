package dev.officehours.examples.docs;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * The class path a reader of the docs has, picked out of this JVM's by Maven coordinates. This
 * JVM runs the examples' tests, so its class path also holds Javalin, Jetty, the Prometheus
 * registry, JUnit, mockwebserver3, Selenium...: a snippet compiled against all of it could use
 * what a user who wrote README's dependency lines does not have.
 *
 * <p>Each entry is named by its coordinates: a module's {@code target/classes} (or its jar in
 * {@code target}) by the module's POM, a jar by its {@code META-INF/maven/.../pom.properties}, or
 * else by the POM beside it in the local repository (OkHttp, Kotlin and Micrometer are built with
 * Gradle and carry none). {@link #SDK} allows, by {@code groupId:artifactId}, what core and redis
 * bring their users; {@link #closure} follows their POMs to check that list.
 */
final class UserClasspath {
  /** When a user has an artifact: compile time (and run time), or run time only. */
  enum Scope {
    COMPILE, RUNTIME;

    /** What a dependency in scope {@code declared} of an artifact the user has in this scope brings. */
    Scope then(String declared) {
      return this == COMPILE && declared.equals("compile") ? COMPILE : RUNTIME;
    }
  }

  /**
   * What README's {@code officehours-core} and {@code officehours-redis} lines bring a user, and in
   * which scope: their runtime dependencies as {@code ./mvnw dependency:tree -pl
   * officehours-core,officehours-redis -Dscope=runtime} prints them. An allow-list: a library core
   * or redis starts to depend on is missing here until someone adds it, and {@code
   * DocSnippetRulesTest.theAllowListIsWhatCoreAndRedisBringTheirUsers} fails until then.
   */
  static final Map<String, Scope> SDK = sorted(Map.ofEntries(
      Map.entry("dev.officehours:officehours-core", Scope.COMPILE),
      Map.entry("dev.officehours:officehours-redis", Scope.COMPILE),
      // core
      Map.entry("com.squareup.okhttp3:okhttp-jvm", Scope.COMPILE),
      Map.entry("com.squareup.okhttp3:okhttp-sse", Scope.COMPILE),
      Map.entry("com.squareup.okio:okio-jvm", Scope.COMPILE),
      Map.entry("org.jetbrains.kotlin:kotlin-stdlib", Scope.COMPILE),
      Map.entry("org.jetbrains:annotations", Scope.COMPILE),
      Map.entry("com.fasterxml.jackson.core:jackson-databind", Scope.COMPILE),
      Map.entry("com.fasterxml.jackson.core:jackson-annotations", Scope.COMPILE),
      Map.entry("com.fasterxml.jackson.core:jackson-core", Scope.COMPILE),
      Map.entry("com.github.ben-manes.caffeine:caffeine", Scope.COMPILE),
      Map.entry("org.jspecify:jspecify", Scope.COMPILE),
      Map.entry("com.google.errorprone:error_prone_annotations", Scope.COMPILE),
      Map.entry("org.slf4j:slf4j-api", Scope.COMPILE),
      Map.entry("io.micrometer:micrometer-core", Scope.COMPILE),
      Map.entry("io.micrometer:micrometer-commons", Scope.COMPILE),
      Map.entry("io.micrometer:micrometer-observation", Scope.COMPILE),
      Map.entry("org.hdrhistogram:HdrHistogram", Scope.RUNTIME),
      Map.entry("org.latencyutils:LatencyUtils", Scope.RUNTIME),
      // redis
      Map.entry("io.lettuce:lettuce-core", Scope.COMPILE),
      Map.entry("redis.clients.authentication:redis-authx-core", Scope.COMPILE),
      Map.entry("io.netty:netty-common", Scope.COMPILE),
      Map.entry("io.netty:netty-handler", Scope.COMPILE),
      Map.entry("io.netty:netty-resolver", Scope.COMPILE),
      Map.entry("io.netty:netty-buffer", Scope.COMPILE),
      Map.entry("io.netty:netty-transport-native-unix-common", Scope.COMPILE),
      Map.entry("io.netty:netty-codec", Scope.COMPILE),
      Map.entry("io.netty:netty-transport", Scope.COMPILE),
      Map.entry("io.netty:netty-resolver-dns", Scope.COMPILE),
      Map.entry("io.netty:netty-codec-dns", Scope.COMPILE),
      Map.entry("io.projectreactor:reactor-core", Scope.COMPILE),
      Map.entry("org.reactivestreams:reactive-streams", Scope.COMPILE)));

  /** The SLF4J binding README's dependency lines add, at run time. */
  static final Map<String, Scope> BINDING = Map.of("org.slf4j:slf4j-simple", Scope.RUNTIME);

  /** The module whose classes a snippet that imports {@code dev.officehours.examples} depends on. */
  static final String EXAMPLES = "dev.officehours:officehours-examples";

  /** One entry of this JVM's class path, the artifact it is, and where that artifact's POM is. */
  record Artifact(String key, Path path, Path pomFile, Path repository) {
    /** Its POM; a module's parent is beside it, the BOMs it imports in the local repository. */
    Pom pom() {
      return POMS.computeIfAbsent(pomFile, file -> Pom.read(file, repository != null ? repository : localRepository()));
    }
  }

  /** How an artifact reached a user: in which scope, and by which chain of dependencies. */
  record Reached(Scope scope, String via) {}

  /**
   * A user's dependencies: {@code lines} names the dependency lines the docs give them (for
   * messages), {@code artifacts} what those lines bring, by {@code groupId:artifactId}.
   */
  record Dependencies(String lines, Map<String, Scope> artifacts) {
    /** What the user's compiler sees. */
    List<Path> compileClasspath() {
      return paths(Scope.COMPILE);
    }

    /** What the user's program runs with. */
    List<Path> runtimeClasspath() {
      return paths(Scope.RUNTIME);
    }

    private List<Path> paths(Scope widest) {
      Map<String, Artifact> present = UserClasspath.artifacts();
      List<String> absent = artifacts.keySet().stream().filter(k -> !present.containsKey(k)).sorted().toList();
      if (!absent.isEmpty()) {
        throw new IllegalStateException(lines + " bring " + absent + ", which this JVM's class path lacks,"
            + " so snippets cannot be compiled as a user would; is UserClasspath.SDK out of date?");
      }
      List<Path> paths = new ArrayList<>();
      for (Artifact a : present.values()) {
        Scope scope = artifacts.get(a.key());
        if (scope != null && scope.compareTo(widest) <= 0) {
          paths.add(a.path());
        }
      }
      return paths;
    }
  }

  private static final Pattern POM_PROPERTIES = Pattern.compile("META-INF/maven/[^/]+/[^/]+/pom\\.properties");
  private static final Map<Path, Pom> POMS = new ConcurrentHashMap<>();
  private static volatile Map<String, Artifact> artifacts;

  private UserClasspath() {}

  /** README's "Add it": officehours-core, officehours-redis, slf4j-simple. */
  static Dependencies readme() {
    Map<String, Scope> all = new TreeMap<>(SDK);
    all.putAll(BINDING);
    return new Dependencies("README's dependency lines (officehours-core, officehours-redis, an SLF4J binding)",
        Map.copyOf(all));
  }

  /**
   * docs/server.md's "Embedding the server in your app": README's lines and officehours-examples,
   * with what the examples' POM brings at compile and run time; never its test libraries.
   */
  static Dependencies examples() {
    Map<String, Scope> all = new TreeMap<>(readme().artifacts());
    closure(List.of(root(EXAMPLES)), artifacts(), new ArrayList<>()).forEach((key, reached) -> all.merge(key, reached.scope(),
        (a, b) -> a.compareTo(b) <= 0 ? a : b));
    return new Dependencies("docs/server.md's dependency on officehours-examples (\"Embedding the server in your"
        + " app\"), with README's lines", Map.copyOf(all));
  }

  /** A compile-scope dependency on {@code key}, as a user's POM declares one. */
  static Pom.Dependency root(String key) {
    String[] ga = key.split(":");
    return new Pom.Dependency(ga[0], ga[1], "compile", false, Set.of());
  }

  /**
   * What a user who declares {@code roots} gets, followed through the POMs of the artifacts on
   * this JVM's class path as Maven does: compile and runtime dependencies, not test, provided or
   * optional ones, less exclusions; a runtime link makes everything after it runtime. A declared
   * dependency that is not on this class path cannot be followed further; it is added to {@code
   * absent} as the chain that names it. {@code present} is this JVM's class path ({@link
   * #artifacts()}), or one a test made.
   */
  static Map<String, Reached> closure(List<Pom.Dependency> roots, Map<String, Artifact> present, List<String> absent) {
    record Step(Pom.Dependency dependency, Scope scope, Set<String> exclusions, String via) {}
    Map<String, Reached> reached = new TreeMap<>();
    Deque<Step> work = new ArrayDeque<>();
    for (Pom.Dependency root : roots) {
      work.add(new Step(root, Scope.COMPILE.then(root.scope()), root.exclusions(), root.key()));
    }
    while (!work.isEmpty()) {
      Step step = work.poll();
      String key = step.dependency().key();
      Reached before = reached.get(key);
      if (before != null && before.scope().compareTo(step.scope()) <= 0) {
        continue;
      }
      reached.put(key, new Reached(step.scope(), step.via()));
      Artifact artifact = present.get(key);
      if (artifact == null) {
        absent.add(step.via());
        continue;
      }
      for (Pom.Dependency d : artifact.pom().dependencies()) {
        boolean excluded = step.exclusions().stream().anyMatch(e -> e.equals(d.key()) || e.equals(d.groupId() + ":*")
            || e.equals("*:*"));
        if (!d.optional() && !excluded && (d.scope().equals("compile") || d.scope().equals("runtime"))) {
          Set<String> exclusions = new HashSet<>(step.exclusions());
          exclusions.addAll(d.exclusions());
          work.add(new Step(d, step.scope().then(d.scope()), exclusions, step.via() + " -> " + d.key()));
        }
      }
    }
    return reached;
  }

  /**
   * How {@link #SDK} differs from what core and redis bring their users, followed through the POMs
   * of {@code present}: an artifact they bring that it lacks or puts in another scope, one it names
   * that they no longer bring, one that cannot be followed because it is not on the class path.
   */
  static List<String> allowListDrift(Map<String, Artifact> present) {
    List<String> absent = new ArrayList<>();
    Map<String, Reached> brought = closure(List.of(root("dev.officehours:officehours-core"),
        root("dev.officehours:officehours-redis")), present, absent);
    List<String> drift = new ArrayList<>();
    brought.forEach((key, reached) -> {
      Scope allowed = SDK.get(key);
      if (allowed == null) {
        drift.add(key + " (" + reached.scope() + ", by " + reached.via() + ") is not on the allow-list");
      } else if (allowed != reached.scope()) {
        drift.add(key + " is allowed in scope " + allowed + " but reaches users in " + reached.scope() + ", by "
            + reached.via());
      }
    });
    SDK.keySet().stream().filter(key -> !brought.containsKey(key))
        .forEach(key -> drift.add(key + " is on the allow-list but core and redis no longer bring it"));
    absent.forEach(via -> drift.add(via + " is declared but not on this class path, so what it brings is unknown"));
    if (!drift.isEmpty()) {
      drift.add("UserClasspath.SDK must list what `./mvnw dependency:tree -pl officehours-core,officehours-redis"
          + " -Dscope=runtime` shows: snippets compile against it as README's readers do");
    }
    return drift;
  }

  /** The local repository this JVM's libraries come from, or null if none does. */
  static Path localRepository() {
    return artifacts().values().stream().map(Artifact::repository).filter(Objects::nonNull).findFirst()
        .orElse(null);
  }

  /** The artifacts on this JVM's class path, by {@code groupId:artifactId}, in class path order. */
  static Map<String, Artifact> artifacts() {
    Map<String, Artifact> known = artifacts;
    if (known == null) {
      Map<String, Artifact> found = new LinkedHashMap<>();
      for (Path entry : entries()) {
        identify(entry).ifPresent(a -> found.putIfAbsent(a.key(), a));
      }
      known = artifacts = Collections.unmodifiableMap(found);
    }
    return known;
  }

  /**
   * The artifact {@code entry} is, if it is one: a module's {@code target/classes} or jar in
   * {@code target}, named by the module's POM, or a jar of a Maven repository, named by its {@code
   * pom.properties} or the POM beside it. Test classes and surefire's booter jar are none.
   */
  static Optional<Artifact> identify(Path entry) {
    Path dir = entry.getParent();
    if (dir == null) {
      return Optional.empty();
    }
    boolean moduleOutput = dir.getFileName() != null && dir.getFileName().toString().equals("target")
        && Files.isRegularFile(dir.resolveSibling("pom.xml"));
    if (Files.isDirectory(entry)) {
      if (moduleOutput && entry.getFileName().toString().equals("classes")) {
        Pom pom = Pom.read(dir.resolveSibling("pom.xml"), null);
        return Optional.of(new Artifact(pom.key(), entry, pom.file(), null));
      }
      return Optional.empty();
    }
    String name = entry.getFileName().toString();
    if (!name.endsWith(".jar") || !Files.isRegularFile(entry)) {
      return Optional.empty();
    }
    Optional<String> declared = pomProperties(entry);
    if (moduleOutput) {
      Pom pom = Pom.read(dir.resolveSibling("pom.xml"), null);
      return declared.filter(pom.key()::equals).map(key -> new Artifact(key, entry, pom.file(), null));
    }
    // A repository lays a jar out as <group as path>/<artifact>/<version>/<artifact>-<version>[-classifier].jar.
    Path artifactDir = dir.getParent();
    if (artifactDir == null) {
      return Optional.empty();
    }
    String version = dir.getFileName().toString();
    String artifactId = artifactDir.getFileName().toString();
    Path besideJar = dir.resolve(name.substring(0, name.length() - ".jar".length()) + ".pom");
    Path pomFile = Files.isRegularFile(besideJar) ? besideJar : dir.resolve(artifactId + "-" + version + ".pom");
    if (!Files.isRegularFile(pomFile)) {
      return Optional.empty();
    }
    String key = declared.orElseGet(() -> Pom.read(pomFile, null).key());
    if (!key.endsWith(":" + artifactId)) {
      return Optional.empty();
    }
    Path repository = artifactDir.getParent();
    for (String segment : reversed(key.substring(0, key.indexOf(':')).split("\\."))) {
      if (repository == null || !repository.getFileName().toString().equals(segment)) {
        return Optional.empty();
      }
      repository = repository.getParent();
    }
    return Optional.of(new Artifact(key, entry, pomFile, repository));
  }

  /** The {@code groupId:artifactId} of the one {@code pom.properties} in {@code jar} that names its file. */
  private static Optional<String> pomProperties(Path jar) {
    String name = jar.getFileName().toString();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry e : Collections.list(file.entries())) {
        if (POM_PROPERTIES.matcher(e.getName()).matches()) {
          Properties p = new Properties();
          try (InputStream in = file.getInputStream(e)) {
            p.load(in);
          }
          String artifactId = p.getProperty("artifactId");
          if (artifactId != null && name.startsWith(artifactId + "-")) {
            return Optional.of(p.getProperty("groupId") + ":" + artifactId);
          }
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static List<String> reversed(String[] segments) {
    List<String> list = new ArrayList<>(List.of(segments));
    Collections.reverse(list);
    return list;
  }

  /**
   * This JVM's class path. Surefire may start the tests with a manifest-only jar on {@code
   * java.class.path}; the entries its {@code Class-Path} names are the class path.
   */
  static List<Path> entries() {
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

  /** Whether {@code entry} (a directory or a jar) holds the file {@code name}, or a file under the directory {@code name/}. */
  static boolean holds(Path entry, String name) {
    if (Files.isDirectory(entry)) {
      return Files.exists(entry.resolve(name));
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      if (!name.endsWith("/")) {
        return jar.getEntry(name) != null;
      }
      return jar.stream().anyMatch(e -> e.getName().startsWith(name) && e.getName().indexOf('/', name.length()) < 0
          && e.getName().endsWith(".class"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <V> Map<String, V> sorted(Map<String, V> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map));
  }
}
