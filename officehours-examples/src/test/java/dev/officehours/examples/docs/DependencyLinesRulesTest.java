package dev.officehours.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.examples.docs.DependencyLines.XmlBlock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules {@link DocumentedDependenciesTest} holds the docs' dependency lines to, on made-up
 * docs: what is read, what is reported.
 */
class DependencyLinesRulesTest {
  private static final Map<String, String> BUILD = Map.of("project.version", "1.2.0-SNAPSHOT", "slf4j.version", "2.0.17");
  private static final Set<String> ARTIFACTS = Set.of("officehours-parent", "officehours-core", "officehours-redis");

  private static List<String> problems(String markdown) {
    return DependencyLines.versionProblems(MarkdownFile.of("docs/x.md", markdown), BUILD, ARTIFACTS);
  }

  private static List<String> lines(String markdown) {
    List<String> problems = new ArrayList<>();
    List<XmlBlock> blocks = DependencyLines.xmlBlocks(MarkdownFile.of("README.md", markdown), problems);
    assertEquals(List.of(), problems);
    return DependencyLines.maven(blocks.stream().map(XmlBlock::root).toList(), Map.of()).stream()
        .map(Object::toString).toList();
  }

  @Test
  void anXmlBlockInACrlfFileWithAnInfoStringIsRead(@TempDir Path root) throws Exception {
    Path readme = root.resolve("README.md");
    Files.writeString(readme, "# Add it\r\n\r\n```xml title=\"pom.xml\"  \r\n<dependency>\r\n  <groupId>dev.officehours"
        + "</groupId>\r\n  <artifactId>officehours-core</artifactId>\r\n</dependency>\r\n```  \r\n", StandardCharsets.UTF_8);
    List<String> problems = new ArrayList<>();

    List<XmlBlock> blocks = DependencyLines.xmlBlocks(MarkdownFile.read(root, readme), problems);

    assertEquals(List.of(), problems);
    assertEquals(List.of("dev.officehours:officehours-core:managed:jar:compile"),
        DependencyLines.maven(blocks.stream().map(XmlBlock::root).toList(), Map.of()).stream().map(Object::toString)
            .toList());
  }

  @Test
  void anXmlBlockThatDoesNotParseIsReported() {
    List<String> problems = new ArrayList<>();

    DependencyLines.xmlBlocks(MarkdownFile.of("README.md", "Text\n\n```xml\n<dependency>\n  <groupId>dev.officehours"
        + "</groupId>\n</dependncy>\n```\n"), problems);

    assertEquals(1, problems.size(), problems::toString);
    assertTrue(problems.get(0).startsWith("README.md:3: this ```xml block does not parse, so its dependency lines go"
        + " unchecked: "), problems::toString);
  }

  @Test
  void mavenLinesFencedAsSomethingElseAreReported() {
    List<String> problems = new ArrayList<>();

    DependencyLines.xmlBlocks(MarkdownFile.of("README.md", "```\n<dependency>\n  <groupId>dev.officehours</groupId>\n"
        + "</dependency>\n```\n"), problems);

    assertEquals(List.of("README.md:1: Maven dependency lines fenced as ''; fence them ```xml so they are checked"),
        problems);
  }

  @Test
  void scopeIsPartOfADependencyLine() {
    String simple = "```xml\n<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId>"
        + "<version>2.0.17</version>%s</dependency>\n```\n";

    assertEquals(List.of("org.slf4j:slf4j-simple:2.0.17:jar:runtime"), lines(simple.formatted("<scope>runtime</scope>")));
    assertEquals(lines(simple.formatted("")), lines(simple.formatted("<scope>compile</scope>")));
  }

  @Test
  void gradleLinesReadAsTheMavenLinesTheyMean() {
    List<String> problems = new ArrayList<>();
    MarkdownFile kotlin = MarkdownFile.of("README.md", "```kotlin\ndependencies {\n"
        + "    implementation(platform(\"dev.officehours:officehours-parent:1.2.0-SNAPSHOT\"))\n"
        + "    implementation(\"dev.officehours:officehours-core\")   // optional\n"
        + "    runtimeOnly(\"org.slf4j:slf4j-simple:2.0.17\")\n}\n```\n");
    MarkdownFile groovy = MarkdownFile.of("README.md", "```groovy\ndef oh = '1.2.0-SNAPSHOT'\ndependencies {\n"
        + "    implementation platform(\"dev.officehours:officehours-parent:$oh\")\n"
        + "    implementation 'dev.officehours:officehours-core'\n    runtimeOnly 'org.slf4j:slf4j-simple:2.0.17'\n}\n```\n");

    List<String> expected = List.of("dev.officehours:officehours-core:managed:jar:compile",
        "dev.officehours:officehours-parent:1.2.0-SNAPSHOT:pom:import", "org.slf4j:slf4j-simple:2.0.17:jar:runtime");
    assertEquals(expected, DependencyLines.gradle(kotlin, problems).stream().map(Object::toString).toList());
    assertEquals(expected, DependencyLines.gradle(groovy, problems).stream().map(Object::toString).toList());
    assertEquals(List.of(), problems);
  }

  @Test
  void aGradleLineWhoseVersionVariableIsNotInTheBlockIsReported() {
    List<String> problems = new ArrayList<>();

    DependencyLines.gradle(MarkdownFile.of("README.md", "```kotlin\nimplementation(\"dev.officehours:officehours-core:"
        + "$ohVersion\")\n```\n"), problems);

    assertEquals(List.of("README.md:1: cannot read the Gradle dependency \"dev.officehours:officehours-core:$ohVersion\""),
        problems);
  }

  @Test
  void thisBuildsVersionEverywhereIsNoProblem() {
    assertEquals(List.of(), problems("Add `<version>1.2.0-SNAPSHOT</version>`, or\n\n```kotlin\n"
        + "implementation(\"dev.officehours:officehours-redis:1.2.0-SNAPSHOT\")\n```\n\n```xml\n<properties>\n"
        + "  <officehours.version>1.2.0-SNAPSHOT</officehours.version>\n</properties>\n<dependency>\n"
        + "  <groupId>dev.officehours</groupId>\n  <artifactId>officehours-core</artifactId>\n"
        + "  <version>${officehours.version}</version>\n</dependency>\n```\n\n## [Unreleased] — 1.2.0-SNAPSHOT\n"));
  }

  @Test
  void aStaleVersionInProseIsReported() {
    assertEquals(List.of("docs/x.md:1: names the snapshot 1.1.0-SNAPSHOT, not this build's 1.2.0-SNAPSHOT",
        "docs/x.md:1: gives <version>1.1.0-SNAPSHOT</version> in prose, not this build's 1.2.0-SNAPSHOT (the prose"
            + " names only OfficeHours' version; give another library's in an ```xml block with its groupId)"),
        problems("without the BOM, add `<version>1.1.0-SNAPSHOT</version>`\n"));
  }

  @Test
  void aStaleVersionInGradleCoordinatesIsReported() {
    assertEquals(List.of("docs/x.md:2: gives dev.officehours:officehours-parent version 1.1.0, not this build's"
        + " 1.2.0-SNAPSHOT"), problems("```kotlin\nimplementation(platform(\"dev.officehours:officehours-parent:1.1.0\"))\n"
        + "```\n"));
  }

  @Test
  void aStaleVersionThroughAnXmlPropertyIsReported() {
    List<String> problems = problems("```xml\n<properties>\n  <officehours.version>1.1.0</officehours.version>\n"
        + "</properties>\n```\n\n```xml\n<dependency>\n  <groupId>dev.officehours</groupId>\n"
        + "  <artifactId>officehours-core</artifactId>\n  <version>${officehours.version}</version>\n</dependency>\n```\n");

    assertEquals(List.of("docs/x.md:3: sets officehours.version to 1.1.0, not this build's 1.2.0-SNAPSHOT",
        "docs/x.md:7: gives officehours-core version ${officehours.version} (1.1.0), not this build's 1.2.0-SNAPSHOT"),
        problems);
  }

  @Test
  void aStaleSnapshotInAChangelogHeadingIsReported() {
    assertEquals(List.of("docs/x.md:1: names the snapshot 0.9.0-SNAPSHOT, not this build's 1.2.0-SNAPSHOT"),
        problems("## [Unreleased] — 0.9.0-SNAPSHOT\n"));
  }

  @Test
  void anArtifactTheParentDoesNotManageIsReported() {
    List<String> problems = problems("Depend on dev.officehours:officehours-cli, or on"
        + " `dev.officehours:officehours-redis`.\n\n```xml\n<dependency>\n  <groupId>dev.officehours</groupId>\n"
        + "  <artifactId>officehours-bom</artifactId>\n</dependency>\n```\n");

    assertEquals(List.of("docs/x.md:1: names dev.officehours:officehours-cli, which the parent POM does not manage (it"
        + " manages " + ARTIFACTS + "), so the BOM cannot give it a version", "docs/x.md:3: names"
        + " dev.officehours:officehours-bom, which the parent POM does not manage (it manages " + ARTIFACTS + ")"),
        problems);
  }

  @Test
  void anSlf4jVersionOtherThanTheBuildsIsReported() {
    assertEquals(List.of("docs/x.md:2: gives org.slf4j:slf4j-simple version 2.0.9, not the 2.0.17 this build uses"),
        problems("```kotlin\nruntimeOnly(\"org.slf4j:slf4j-simple:2.0.9\")\n```\n"));
  }

  @Test
  void aParentThatManagesAnotherLibraryIsNoBom(@TempDir Path dir) throws Exception {
    Path pom = dir.resolve("pom.xml");
    Files.writeString(pom, "<project><groupId>dev.officehours</groupId><artifactId>officehours-parent</artifactId>"
        + "<version>1.2.0-SNAPSHOT</version><dependencyManagement><dependencies>"
        + "<dependency><groupId>dev.officehours</groupId><artifactId>officehours-core</artifactId>"
        + "<version>${project.version}</version></dependency>"
        + "<dependency><groupId>com.squareup.okhttp3</groupId><artifactId>okhttp-jvm</artifactId>"
        + "<version>5.5.1</version></dependency></dependencies></dependencyManagement></project>");
    Pom parent = Pom.read(pom, null);

    assertEquals(List.of(pom + " manages com.squareup.okhttp3:okhttp-jvm: users who import it as a BOM would get that"
        + " version instead of their own; name the version in the module that uses it"), DependencyLines.bomProblems(parent));
    assertEquals(Set.of("officehours-parent", "officehours-core"), DependencyLines.artifacts(parent));
  }
}
