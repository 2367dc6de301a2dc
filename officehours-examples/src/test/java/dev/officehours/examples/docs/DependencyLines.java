package dev.officehours.examples.docs;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The dependency lines the docs give, read as Maven takes them, and what can be wrong with them: a
 * block that does not parse (so nothing in it would be checked), Maven lines fenced as something
 * else, an OfficeHours version that is not this build's, an OfficeHours artifact the parent POM
 * (the BOM users import) does not manage, a parent that manages someone else's library.
 */
final class DependencyLines {
  /** OfficeHours' groupId. */
  static final String GROUP = "dev.officehours";
  /** The parent POM, which users import as the BOM. */
  static final String PARENT = "officehours-parent";

  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}|@([^@\\s]+)@");
  private static final Pattern XML_DECLARATION = Pattern.compile("^\\s*<\\?xml[^>]*\\?>");
  private static final Pattern MAVEN_TAG = Pattern.compile("<(dependency|groupId|artifactId)>");
  private static final Pattern GRADLE = Pattern.compile("\\b(implementation|api|runtimeOnly|compileOnly"
      + "|testImplementation|testRuntimeOnly)\\s*\\(?\\s*(?:(platform|enforcedPlatform)\\s*\\(\\s*)?[\"']([^\"']+)[\"']");
  private static final Pattern GRADLE_VARIABLE = Pattern.compile("\\b(?:val|var|def)\\s+(\\w+)\\s*=\\s*[\"']([^\"']*)[\"']");
  private static final Pattern GRADLE_REFERENCE = Pattern.compile("\\$\\{?(\\w+)}?");
  private static final Pattern COORDINATES = Pattern.compile(
      "\\bdev\\.officehours:([A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*)(?::([^\\s\"'`)<>,;]+))?");
  private static final Pattern SLF4J_COORDINATES = Pattern.compile("\\borg\\.slf4j:([A-Za-z0-9_-]+):([^\\s\"'`)<>,;:]+)");
  private static final Pattern VERSION_PROPERTY = Pattern.compile("<officehours\\.version>([^<]*)</officehours\\.version>");
  private static final Pattern PROSE_VERSION = Pattern.compile("<version>([^<]*)</version>");
  private static final Pattern SNAPSHOT = Pattern.compile("\\b(\\d+(?:\\.\\d+)*-SNAPSHOT)\\b");
  private static final Set<String> PACKAGINGS = Set.of("jar", "pom", "test-jar", "war");

  /**
   * A dependency as Maven takes it: version "managed" when a BOM gives it, type "jar" and scope
   * "compile" when the line names none.
   */
  record Line(String groupId, String artifactId, String version, String type, String scope) {
    static Line of(String groupId, String artifactId, String version, String type, String scope) {
      return new Line(groupId, artifactId, version == null ? "managed" : version, type == null ? "jar" : type,
          scope == null ? "compile" : scope);
    }

    @Override
    public String toString() {
      return String.join(":", groupId, artifactId, version, type, scope);
    }
  }

  /** A ```xml block and what it parsed to, under a {@code <snippet>} root. */
  record XmlBlock(CodeBlock block, Element root) {}

  private DependencyLines() {}

  /**
   * The ```xml blocks of {@code file}, parsed. A block that does not parse, and Maven dependency
   * lines in a block fenced otherwise, are added to {@code problems}: neither would be checked.
   */
  static List<XmlBlock> xmlBlocks(MarkdownFile file, List<String> problems) {
    List<XmlBlock> blocks = new ArrayList<>();
    for (CodeBlock block : file.codeBlocks()) {
      if (block.language().equals("xml")) {
        try {
          blocks.add(new XmlBlock(block, parse("<snippet>" + XML_DECLARATION.matcher(block.body()).replaceFirst("")
              + "</snippet>")));
        } catch (Exception e) {
          problems.add(block + ": this ```xml block does not parse, so its dependency lines go unchecked: "
              + e.getMessage());
        }
      } else if (MAVEN_TAG.matcher(block.body()).find()) {
        problems.add(block + ": Maven dependency lines fenced as '" + block.language() + "'; fence them ```xml so"
            + " they are checked");
      }
    }
    return blocks;
  }

  /** Parses {@code xml}, refusing a DOCTYPE. */
  static Element parse(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml))).getDocumentElement();
  }

  /**
   * Every {@code <dependency>} under {@code roots} (managed imports too), with {@code ${...}} and
   * {@code @...@} resolved from the {@code <properties>} of the roots, then from {@code build}.
   */
  static Set<Line> maven(List<Element> roots, Map<String, String> build) {
    Map<String, String> props = new HashMap<>(build);
    for (Element root : roots) {
      Element properties = Pom.child(root, "properties");
      if (properties != null) {
        for (Element p : Pom.children(properties)) {
          props.put(p.getTagName(), p.getTextContent().trim());
        }
      }
    }
    Set<Line> lines = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (Element root : roots) {
      NodeList deps = root.getElementsByTagName("dependency");
      for (int i = 0; i < deps.getLength(); i++) {
        Element d = (Element) deps.item(i);
        lines.add(Line.of(resolve(Pom.text(d, "groupId"), props), resolve(Pom.text(d, "artifactId"), props),
            resolve(Pom.text(d, "version"), props), resolve(Pom.text(d, "type"), props),
            resolve(Pom.text(d, "scope"), props)));
      }
    }
    return lines;
  }

  /** The dependencies of the POM {@code file}, resolved as {@link #maven} does. */
  static Set<Line> maven(Path file, Map<String, String> build) throws Exception {
    return maven(List.of(parse(Files.readString(file))), build);
  }

  /** Whether a fence's language is a Gradle build script's. */
  static boolean isGradle(String language) {
    return Set.of("kotlin", "kts", "groovy", "gradle").contains(language);
  }

  /**
   * The dependency lines of {@code file}'s Gradle blocks as the Maven lines they mean: {@code
   * implementation} and {@code api} compile scope, {@code runtimeOnly} runtime, {@code platform(...)}
   * a BOM import. A coordinate whose variable the block does not define is added to {@code problems}.
   */
  static Set<Line> gradle(MarkdownFile file, List<String> problems) {
    Set<Line> lines = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (CodeBlock block : file.codeBlocks()) {
      if (!isGradle(block.language())) {
        continue;
      }
      Map<String, String> variables = new HashMap<>();
      Matcher v = GRADLE_VARIABLE.matcher(block.body());
      while (v.find()) {
        variables.put(v.group(1), v.group(2));
      }
      Matcher m = GRADLE.matcher(block.body());
      while (m.find()) {
        String coordinates = GRADLE_REFERENCE.matcher(m.group(3))
            .replaceAll(r -> Matcher.quoteReplacement(variables.getOrDefault(r.group(1), r.group())));
        String[] parts = coordinates.split(":");
        if (coordinates.contains("$") || parts.length < 2 || parts.length > 3) {
          problems.add(block + ": cannot read the Gradle dependency \"" + m.group(3) + "\"");
          continue;
        }
        String version = parts.length == 3 ? parts[2] : null;
        if (m.group(2) != null) {
          lines.add(Line.of(parts[0], parts[1], version, "pom", "import"));
        } else {
          lines.add(Line.of(parts[0], parts[1], version, "jar", switch (m.group(1)) {
            case "runtimeOnly" -> "runtime";
            case "compileOnly" -> "provided";
            case "testImplementation", "testRuntimeOnly" -> "test";
            default -> "compile";
          }));
        }
      }
    }
    return lines;
  }

  /**
   * What in {@code file} (prose and code) names an OfficeHours version that is not {@code
   * project.version} of {@code build}, or an OfficeHours artifact not in {@code artifacts}: {@code
   * dev.officehours:artifact[:version]} coordinates, {@code <officehours.version>}, any {@code
   * -SNAPSHOT} version, a {@code <version>} in prose (only OfficeHours' are given there), and the
   * OfficeHours dependencies of ```xml blocks, through their properties. SLF4J versions must be the
   * {@code slf4j.version} the build uses.
   */
  static List<String> versionProblems(MarkdownFile file, Map<String, String> build, Set<String> artifacts) {
    String version = build.get("project.version");
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < file.lines().size(); i++) {
      String where = file.name() + ":" + (i + 1) + ": ";
      String text = file.lines().get(i);
      Matcher c = COORDINATES.matcher(text);
      while (c.find()) {
        String artifact = c.group(1).replaceAll("\\.+$", "");
        if (!artifacts.contains(artifact)) {
          problems.add(where + "names " + GROUP + ":" + artifact + ", which the parent POM does not manage (it manages "
              + artifacts + "), so the BOM cannot give it a version");
        }
        if (c.group(2) != null) {
          List<String> parts = List.of(c.group(2).split(":"));
          String given = (PACKAGINGS.contains(parts.get(0)) && parts.size() > 1 ? parts.get(1) : parts.get(0))
              .replaceAll("\\.+$", "");
          if (!given.startsWith("$") && !PACKAGINGS.contains(given) && !given.equals(version)) {
            problems.add(where + "gives " + GROUP + ":" + artifact + " version " + given + ", not this build's " + version);
          }
        }
      }
      check(VERSION_PROPERTY.matcher(text), version, where + "sets officehours.version to ", problems);
      check(SNAPSHOT.matcher(text), version, where + "names the snapshot ", problems);
      Matcher s = SLF4J_COORDINATES.matcher(text);
      while (s.find()) {
        if (!s.group(2).equals(build.get("slf4j.version"))) {
          problems.add(where + "gives org.slf4j:" + s.group(1) + " version " + s.group(2) + ", not the "
              + build.get("slf4j.version") + " this build uses");
        }
      }
    }
    for (MarkdownFile.ProseLine line : file.prose()) {
      Matcher m = PROSE_VERSION.matcher(line.text());
      while (m.find()) {
        if (!m.group(1).trim().equals(version)) {
          problems.add(file.name() + ":" + line.line() + ": gives <version>" + m.group(1) + "</version> in prose, not"
              + " this build's " + version + " (the prose names only OfficeHours' version; give another library's"
              + " in an ```xml block with its groupId)");
        }
      }
    }
    List<XmlBlock> blocks = xmlBlocks(file, new ArrayList<>());
    Map<String, String> props = new HashMap<>();
    for (XmlBlock block : blocks) {
      Element properties = Pom.child(block.root(), "properties");
      if (properties != null) {
        for (Element p : Pom.children(properties)) {
          props.put(p.getTagName(), p.getTextContent().trim());
        }
      }
    }
    for (XmlBlock block : blocks) {
      NodeList deps = block.root().getElementsByTagName("dependency");
      for (int i = 0; i < deps.getLength(); i++) {
        Element d = (Element) deps.item(i);
        String group = Pom.text(d, "groupId");
        String given = Pom.text(d, "version");
        String resolved = given == null ? null : resolve(given, props);
        if (GROUP.equals(group)) {
          String artifact = Pom.text(d, "artifactId");
          if (!artifacts.contains(artifact)) {
            problems.add(block.block() + ": names " + GROUP + ":" + artifact + ", which the parent POM does not manage"
                + " (it manages " + artifacts + ")");
          }
          if (resolved != null && !resolved.equals(version)) {
            problems.add(block.block() + ": gives " + artifact + " version " + given
                + (given.equals(resolved) ? "" : " (" + resolved + ")") + ", not this build's " + version);
          }
        } else if ("org.slf4j".equals(group) && resolved != null && !resolved.equals(build.get("slf4j.version"))) {
          problems.add(block.block() + ": gives org.slf4j:" + Pom.text(d, "artifactId") + " version " + resolved
              + ", not the " + build.get("slf4j.version") + " this build uses");
        }
      }
    }
    return problems;
  }

  private static void check(Matcher m, String version, String message, List<String> problems) {
    while (m.find()) {
      if (!m.group(1).trim().equals(version)) {
        problems.add(message + m.group(1) + ", not this build's " + version);
      }
    }
  }

  /** The OfficeHours artifacts a doc may name: the parent, and those the parent manages. */
  static Set<String> artifacts(Pom parent) {
    Set<String> artifacts = new TreeSet<>(Set.of(PARENT));
    parent.managedDependencies().stream().filter(d -> GROUP.equals(d.groupId()))
        .forEach(d -> artifacts.add(d.artifactId()));
    return artifacts;
  }

  /**
   * What the parent POM manages that is not OfficeHours': users import it as a BOM, and every
   * version it manages would override theirs.
   */
  static List<String> bomProblems(Pom parent) {
    return parent.managedDependencies().stream().filter(d -> !GROUP.equals(d.groupId()))
        .map(d -> parent.file() + " manages " + d.key() + ": users who import it as a BOM would get that version"
            + " instead of their own; name the version in the module that uses it")
        .toList();
  }

  /** The properties a build resolves the sample app's {@code @...@} with: the parent's, and its version. */
  static Map<String, String> buildProperties(Pom parent) {
    Map<String, String> build = new HashMap<>(parent.properties());
    build.put("project.version", parent.version());
    return build;
  }

  private static String resolve(String value, Map<String, String> props) {
    if (value == null) {
      return null;
    }
    String resolved = value;
    for (int round = 0; round < 5; round++) {
      Matcher m = PROPERTY.matcher(resolved);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        m.appendReplacement(sb, Matcher.quoteReplacement(props.getOrDefault(name, m.group())));
      }
      String next = m.appendTail(sb).toString();
      if (next.equals(resolved)) {
        break;
      }
      resolved = next;
    }
    return resolved;
  }
}
