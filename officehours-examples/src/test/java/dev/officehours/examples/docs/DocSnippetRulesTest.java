package dev.officehours.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import dev.officehours.metrics.MicrometerObserver;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules {@link DocSnippetsTest} holds the docs to, on made-up snippets: what fails, what
 * passes, and that a failure points at the Markdown line.
 */
class DocSnippetRulesTest {

  private static CodeBlock java(String body) {
    return new CodeBlock("docs/example.md", 10, "java", body);
  }

  private static SnippetCompiler.Result compile(String body, Path dir) {
    return SnippetCompiler.compile(JavaSnippet.of(java(body)), dir);
  }

  @Test
  void aStatementSnippetGetsNoImportItDoesNotShow(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("Duration timeout = Duration.ofSeconds(1);\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:11: error: cannot find symbol"),
        result.failures().toString());
  }

  @Test
  void aStatementSnippetMustDeclareEveryVariableItUses(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import dev.officehours.ConversationPipeline;\n\npipeline.close();\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:13: error: cannot find symbol"),
        result.failures().toString());
  }

  @Test
  void importsOfAStatementSnippetMoveAboveTheMethodItIsWrappedIn(@TempDir Path dir) {
    JavaSnippet snippet = JavaSnippet.of(java("import java.time.Duration;\n\nDuration timeout = Duration.ofSeconds(1);\n"));

    assertFalse(snippet.isCompilationUnit());
    assertTrue(snippet.source().startsWith("import java.time.Duration;\nclass Snippet {\n  void snippet() throws Exception {\n"),
        snippet.source());
    assertTrue(SnippetCompiler.compile(snippet, dir).ok());
  }

  @Test
  void aSnippetDeclaringATypeCompilesAsWritten(@TempDir Path dir) {
    JavaSnippet snippet = JavaSnippet.of(java("import java.util.List;\n\n/** A class. */\nclass Helper {}\n\n"
        + "public class Hello {\n  public static void main(String[] args) {\n    System.out.println(List.of(\"{\"));\n  }\n}\n"));

    assertTrue(snippet.isCompilationUnit());
    assertEquals("Hello", snippet.typeName());
    assertTrue(SnippetCompiler.compile(snippet, dir).ok());
    assertTrue(Files.exists(dir.resolve("Hello.class")));
  }

  @Test
  void typesDeclaredInsideAMethodDoNotMakeACompilationUnit() {
    List<String> types = JavaSnippet.topLevelTypes(List.of("Runnable r = new Runnable() {", "  class Inner {}",
        "  public void run() {}", "};", "// class InAComment {", "String s = \"class InAString {\";"));

    assertEquals(List.of(), types);
  }

  @Test
  void deprecatedApiFailsTheSnippet(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("Integer boxed = new Integer(42);\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:11: mandatory_warning:")
        && result.failures().get(0).contains("deprecated"), result.failures().toString());
  }

  @Test
  void anyLintWarningInTheSnippetFailsIt(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import java.util.ArrayList;\nimport java.util.List;\n\n"
        + "List<String> names = new ArrayList();\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:14: warning: found raw type"),
        result.failures().toString());
  }

  @Test
  void aSnippetUsingWhatCoreAndRedisBringCompiles(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import dev.officehours.redis.OfficeHoursRedis;\n"
        + "import io.lettuce.core.RedisURI;\nimport okhttp3.OkHttpClient;\n\n"
        + "OkHttpClient client = new OkHttpClient();\nRedisURI uri = RedisURI.create(\"redis://127.0.0.1\");\n"
        + "System.out.println(client + \" \" + uri + \" \" + OfficeHoursRedis.class);\n", dir);

    assertTrue(result.ok(), result.failures()::toString);
  }

  @Test
  void aSnippetImportingWhatOnlyTheExamplesHaveFailsNamingTheArtifact(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import io.javalin.Javalin;\n\nJavalin app = Javalin.create();\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:11: error: io.javalin.Javalin is in"
        + " io.javalin:javalin, which README's dependency lines (officehours-core, officehours-redis, an SLF4J binding)"
        + " do not include: a user who pastes this snippet cannot compile it."), result.failures()::toString);
  }

  @Test
  void aSnippetImportingTheExamplesPrometheusRegistryFailsThoughMicrometerIsAllowed(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;\n\n"
        + "PrometheusMeterRegistry registry = null;\n", dir);

    assertFalse(result.ok());
    assertTrue(result.failures().get(0).startsWith("docs/example.md:11: error: io.micrometer.prometheusmetrics"
        + ".PrometheusMeterRegistry is in io.micrometer:micrometer-registry-prometheus, which README's"),
        result.failures()::toString);
  }

  @Test
  void aSnippetImportingATestLibraryFailsNamingTheArtifact(@TempDir Path dir) {
    SnippetCompiler.Result junit = compile("import static org.junit.jupiter.api.Assertions.assertTrue;\n\n"
        + "assertTrue(true);\n", dir.resolve("junit"));
    SnippetCompiler.Result mockWebServer = compile("import mockwebserver3.MockWebServer;\n\n"
        + "MockWebServer server = new MockWebServer();\n", dir.resolve("mockwebserver"));

    assertTrue(junit.failures().get(0).startsWith("docs/example.md:11: error: org.junit.jupiter.api.Assertions"
        + ".assertTrue is in org.junit.jupiter:junit-jupiter-api, which README's dependency lines"),
        junit.failures()::toString);
    assertTrue(mockWebServer.failures().get(0).startsWith("docs/example.md:11: error: mockwebserver3.MockWebServer"
        + " is in com.squareup.okhttp3:mockwebserver3, which README's dependency lines"),
        mockWebServer.failures()::toString);
  }

  @Test
  void aSnippetImportingWhatUsersGetOnlyAtRunTimeFails(@TempDir Path dir) {
    SnippetCompiler.Result histogram = compile("import org.HdrHistogram.Histogram;\n\n"
        + "Histogram h = new Histogram(3);\n", dir.resolve("hdr"));
    SnippetCompiler.Result binding = compile("import org.slf4j.simple.SimpleLogger;\n\n"
        + "System.out.println(SimpleLogger.class);\n", dir.resolve("binding"));

    assertTrue(histogram.failures().get(0).startsWith("docs/example.md:11: error: org.HdrHistogram.Histogram is in"
        + " org.hdrhistogram:HdrHistogram, which README's dependency lines (officehours-core, officehours-redis, an"
        + " SLF4J binding) bring only at run time"), histogram.failures()::toString);
    assertTrue(binding.failures().get(0).startsWith("docs/example.md:11: error: org.slf4j.simple.SimpleLogger is in"
        + " org.slf4j:slf4j-simple, which README's dependency lines"), binding.failures()::toString);
  }

  @Test
  void aSnippetImportingTheExamplesCompilesWithWhatTheExamplesBring(@TempDir Path dir) {
    SnippetCompiler.Result result = compile("import dev.officehours.examples.server.ChatServer;\n"
        + "import io.javalin.Javalin;\n\nSystem.out.println(ChatServer.class + \" \" + Javalin.class);\n", dir);

    assertTrue(result.ok(), result.failures()::toString);
  }

  @Test
  void aSnippetImportingTheExamplesStillLacksTheTestLibrariesAndTestClasses(@TempDir Path dir) {
    SnippetCompiler.Result junit = compile("import dev.officehours.examples.server.ChatServer;\n"
        + "import org.junit.jupiter.api.Assertions;\n\nAssertions.assertNotNull(ChatServer.class);\n", dir.resolve("a"));
    SnippetCompiler.Result testClass = compile("import dev.officehours.examples.docs.SnippetLauncher;\n\n"
        + "SnippetLauncher.main(new String[0]);\n", dir.resolve("b"));

    assertTrue(junit.failures().get(0).startsWith("docs/example.md:12: error: org.junit.jupiter.api.Assertions is in"
        + " org.junit.jupiter:junit-jupiter-api, which docs/server.md's dependency on officehours-examples"),
        junit.failures()::toString);
    assertTrue(testClass.failures().get(0).startsWith("docs/example.md:11: error: dev.officehours.examples.docs"
        + ".SnippetLauncher is in ") && testClass.failures().get(0).endsWith("test-classes, test code of this build"
        + " that no user has"), testClass.failures()::toString);
  }

  @Test
  void theExamplesClasspathHoldsNoTestLibraryThoughThisJvmHasThem() {
    Set<String> testOnly = Set.of("org.junit", "org.opentest4j", "org.apiguardian", "com.github.codemonstur",
        "org.seleniumhq", "io.opentelemetry", "com.squareup.okhttp3:mockwebserver3");
    List<String> examples = UserClasspath.examples().runtimeClasspath().stream()
        .map(p -> UserClasspath.identify(p).map(UserClasspath.Artifact::key).orElse(p.toString())).toList();

    assertTrue(UserClasspath.artifacts().keySet().stream().anyMatch(k -> k.startsWith("org.seleniumhq")));
    assertTrue(UserClasspath.artifacts().containsKey("org.junit.jupiter:junit-jupiter-api"));
    assertTrue(examples.contains("io.javalin:javalin") && examples.contains(UserClasspath.EXAMPLES), examples::toString);
    assertEquals(List.of(), examples.stream().filter(k -> testOnly.stream().anyMatch(k::startsWith)).toList());
    assertTrue(examples.stream().noneMatch(k -> k.contains("test-classes")), examples::toString);
  }

  @Test
  void theAllowListIsWhatCoreAndRedisBringTheirUsers() {
    List<String> drift = UserClasspath.allowListDrift(UserClasspath.artifacts());

    assertEquals(List.of(), drift, () -> String.join("\n", drift));
  }

  @Test
  void aLibraryCoreStartsToDependOnIsDrift(@TempDir Path dir) throws Exception {
    Path corePom = UserClasspath.artifacts().get("dev.officehours:officehours-core").pomFile();
    Path module = Files.createDirectories(dir.resolve("officehours-core"));
    Files.writeString(module.resolve("pom.xml"), Files.readString(corePom).replace("<dependencies>",
        "<dependencies><dependency><groupId>io.javalin</groupId><artifactId>javalin</artifactId></dependency>"
            + "<dependency><groupId>org.seleniumhq.selenium</groupId><artifactId>selenium-java</artifactId>"
            + "<optional>true</optional></dependency>"));
    Map<String, UserClasspath.Artifact> present = new LinkedHashMap<>(UserClasspath.artifacts());
    present.put("dev.officehours:officehours-core", new UserClasspath.Artifact("dev.officehours:officehours-core",
        module, module.resolve("pom.xml"), null));

    List<String> drift = UserClasspath.allowListDrift(present);

    assertTrue(drift.contains("io.javalin:javalin (COMPILE, by dev.officehours:officehours-core -> io.javalin:javalin)"
        + " is not on the allow-list"), () -> String.join("\n", drift));
    assertTrue(drift.stream().anyMatch(d -> d.startsWith("org.eclipse.jetty:jetty-server (COMPILE, by")), drift::toString);
    assertTrue(drift.stream().noneMatch(d -> d.startsWith("org.seleniumhq")), drift::toString);
  }

  @Test
  void aManifestOnlyJarStandsForTheEntriesItsClassPathNames(@TempDir Path dir) throws Exception {
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path jar = dir.resolve("surefirebooter.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classes.toUri().toString());
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
      // The manifest is all it holds, as surefire's is.
    }

    assertEquals(List.of(jar, classes), UserClasspath.expand(List.of(jar.toString())));
  }

  @Test
  void javaInAnUnmarkedBlockIsFound() {
    LooksLikeJava sniffer = new LooksLikeJava(Set.of("ConversationPipeline", "OpenAiChat"));

    assertTrue(sniffer.evidence(new CodeBlock("a.md", 1, "", "ConversationPipeline p = ConversationPipeline.builder()\n"
        + "    .llm(OpenAiChat.fromEnvironment()).build();\n")).isPresent());
    assertTrue(sniffer.evidence(new CodeBlock("a.md", 1, "", "pipeline.close();\n")).isPresent());
    assertTrue(sniffer.evidence(new CodeBlock("a.md", 1, "text", "import dev.officehours.Turn;\n")).isPresent());
    assertTrue(sniffer.evidence(new CodeBlock("a.md", 1, "shell", "OpenAiChat.fromEnvironment()\n")).isPresent());
  }

  @Test
  void commandsJsonAndDiagramsAreNotJava() {
    LooksLikeJava sniffer = new LooksLikeJava(Set.of("ConversationPipeline", "ConversationStore"));

    assertFalse(sniffer.evidence(new CodeBlock("a.md", 1, "", "./mvnw -q -B package -DskipTests\n"
        + "OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=sk-anything java -jar x.jar chat\n")).isPresent());
    assertFalse(sniffer.evidence(new CodeBlock("a.md", 1, "json", "{\"type\": \"start\", \"text\": \"Hi\"}\n")).isPresent());
    assertFalse(sniffer.evidence(new CodeBlock("a.md", 1, "text", "  → ConversationStore.load(session)   after...\n"))
        .isPresent());
  }

  @Test
  void aLinkToAMissingFileOrHeadingIsReported(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("docs"));
    Files.writeString(root.resolve("docs/other.md"), "# Other\n\n## Against `the` server\n");
    Path readme = root.resolve("README.md");
    Files.writeString(readme, "See [ok](docs/other.md#against-the-server), [gone](docs/design.md),\n"
        + "[up](../shared/pitfalls.md), [no heading](docs/other.md#nowhere), [web](https://example.com/x.md)\n"
        + "and `[in code](missing.md)`.\n\n```\n[in a block](missing.md)\n```\n");

    List<String> broken = DocSnippetsTest.brokenLinks(MarkdownFile.read(root, readme), root);

    assertEquals(List.of("README.md:1 -> docs/design.md: no such file docs/design.md",
        "README.md:2 -> ../shared/pitfalls.md: leaves the repository",
        "README.md:2 -> docs/other.md#nowhere: no heading #nowhere in docs/other.md"), broken);
  }

  /** Why docs/metrics.md configures percentiles before it creates the observer. */
  @Test
  void aPercentileFilterAddedAfterTheObserverGivesNoPercentiles() {
    MeterRegistry registry = new SimpleMeterRegistry();
    MicrometerObserver metrics = new MicrometerObserver(registry);
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        return DistributionStatisticConfig.builder().percentiles(0.5, 0.99).build().merge(config);
      }
    });

    metrics.turnFirstAudio(Duration.ofMillis(250));

    assertEquals(0, registry.get("officehours.turn.ttfa").timer().takeSnapshot().percentileValues().length);
  }
}
