package dev.officehours.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.docs.DependencyLines.Line;
import dev.officehours.examples.docs.DependencyLines.XmlBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The dependency lines the docs give are the ones the sample app (src/it/first-app, built by the
 * invoker plugin against the installed artifacts) is built with, in Maven and in Gradle; every
 * OfficeHours version the docs name, in code or prose, is this build's, and every OfficeHours
 * artifact one the BOM manages; the BOM manages nothing else. Rules in {@link DependencyLines}.
 */
class DocumentedDependenciesTest {

  static Stream<MarkdownFile> files() {
    return Docs.filesNamingVersions().stream();
  }

  private static Pom parent() {
    return Pom.read(Docs.root().resolve("pom.xml"), null);
  }

  private static Set<Line> sampleApp() throws Exception {
    return DependencyLines.maven(Docs.root().resolve("officehours-examples/src/it/first-app/pom.xml"),
        DependencyLines.buildProperties(parent()));
  }

  private static MarkdownFile readme() {
    return MarkdownFile.read(Docs.root(), Docs.root().resolve("README.md"));
  }

  @Test
  void readmeMavenLinesAreTheOnesTheSampleAppBuildsWith() throws Exception {
    List<String> problems = new ArrayList<>();
    List<XmlBlock> blocks = DependencyLines.xmlBlocks(readme(), problems);
    assertEquals(List.of(), problems);
    assertFalse(blocks.isEmpty(), "README has no ```xml block");

    Set<Line> documented = DependencyLines.maven(blocks.stream().map(XmlBlock::root).toList(), Map.of());

    assertEquals(sampleApp().toString(), documented.toString(),
        "README's Maven lines (\"Add it\") and src/it/first-app/pom.xml disagree");
  }

  @Test
  void readmeGradleLinesAreTheOnesTheSampleAppBuildsWith() throws Exception {
    List<String> problems = new ArrayList<>();
    Set<Line> documented = DependencyLines.gradle(readme(), problems);
    assertEquals(List.of(), problems);
    assertFalse(documented.isEmpty(), "README has no Gradle block");

    assertEquals(sampleApp().toString(), documented.toString(),
        "README's Gradle lines and src/it/first-app/pom.xml disagree");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void everyDependencyBlockIsXmlThatParses(MarkdownFile file) {
    List<String> problems = new ArrayList<>();
    DependencyLines.xmlBlocks(file, problems);
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void everyOfficeHoursVersionAndArtifactNamedIsThisBuilds(MarkdownFile file) {
    Pom parent = parent();
    List<String> problems = DependencyLines.versionProblems(file, DependencyLines.buildProperties(parent),
        DependencyLines.artifacts(parent));
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
  }

  @Test
  void theParentPomImportedAsABomManagesOnlyOfficeHoursArtifacts() {
    Pom parent = parent();

    assertEquals(List.of(), DependencyLines.bomProblems(parent));
    assertTrue(DependencyLines.artifacts(parent).containsAll(Set.of("officehours-core", "officehours-redis")),
        DependencyLines.artifacts(parent)::toString);
  }

  @Test
  void theChecksSeeTheDocsDependencyLines() {
    long named = files().flatMap(f -> f.lines().stream()).filter(l -> l.contains("dev.officehours")).count();

    assertTrue(named >= 5, "expected OfficeHours coordinates in the docs, found " + named + " lines");
    assertTrue(files().map(MarkdownFile::name).toList().containsAll(List.of("README.md", "CHANGELOG.md",
        "CONTRIBUTING.md", "docs/caching.md")), () -> files().map(MarkdownFile::name).toList().toString());
  }
}
