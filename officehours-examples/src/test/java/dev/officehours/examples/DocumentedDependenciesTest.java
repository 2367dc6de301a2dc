package dev.officehours.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The dependency lines the docs give are the ones the sample app (src/it/first-app, built by the
 * invoker plugin against the installed artifacts) is built with, and name versions that exist.
 */
class DocumentedDependenciesTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}|@([^@\\s]+)@");

  @Test
  void readmeDependencyLinesAreTheOnesTheSampleAppBuildsWith() throws Exception {
    Map<String, String> build = buildProperties();
    List<Element> readme = xmlBlocks(ROOT.resolve("README.md"));
    assertFalse(readme.isEmpty(), "README has no ```xml block");
    Set<String> documented = new TreeSet<>();
    Map<String, String> readmeProperties = new HashMap<>();
    for (Element block : readme) {
      readmeProperties.putAll(properties(block));
    }
    for (Element block : readme) {
      documented.addAll(dependencies(block, readmeProperties));
    }
    Element sample = parse(Files.readString(ROOT.resolve("officehours-examples/src/it/first-app/pom.xml")));
    Map<String, String> sampleProperties = new HashMap<>(properties(sample));
    sampleProperties.replaceAll((k, v) -> resolve(v, build));
    Set<String> built = new TreeSet<>();
    for (String dependency : dependencies(sample, sampleProperties)) {
      built.add(resolve(dependency, build));
    }
    assertEquals(built, documented, "README's \"Add it\" and src/it/first-app/pom.xml disagree");
  }

  @Test
  void everyDocumentedOfficeHoursArtifactExistsInThisVersion() throws Exception {
    Map<String, String> build = buildProperties();
    List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    int seen = 0;
    for (Path file : files) {
      for (Element block : xmlBlocks(file)) {
        NodeList deps = block.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
          Element dep = (Element) deps.item(i);
          if (!"dev.officehours".equals(text(dep, "groupId"))) {
            String version = text(dep, "version");
            if (version != null && "org.slf4j".equals(text(dep, "groupId"))) {
              assertEquals(build.get("slf4j.version"), version, file + ": the SLF4J version we build with");
            }
            continue;
          }
          seen++;
          String artifact = text(dep, "artifactId");
          assertTrue(artifact.equals("officehours-parent") || Files.isDirectory(ROOT.resolve(artifact)),
              file.getFileName() + " names " + artifact + ", which this build does not make");
          String version = text(dep, "version");
          assertTrue(version == null || version.equals("${officehours.version}")
                  || version.equals(build.get("project.version")),
              file.getFileName() + " gives " + artifact + " version " + version + ", not "
                  + build.get("project.version") + " (or none, through the BOM)");
        }
      }
    }
    assertTrue(seen >= 3, "expected OfficeHours dependencies in the docs, found " + seen);
  }

  private static Map<String, String> buildProperties() throws Exception {
    Element parent = parse(Files.readString(ROOT.resolve("pom.xml")));
    Map<String, String> props = properties(parent);
    props.put("project.version", directChild(parent, "version").getTextContent().trim());
    return props;
  }

  private static List<Element> xmlBlocks(Path markdown) throws Exception {
    List<Element> blocks = new ArrayList<>();
    Matcher m = XML_BLOCK.matcher(Files.readString(markdown));
    while (m.find()) {
      blocks.add(parse("<snippet>" + m.group(1) + "</snippet>"));
    }
    return blocks;
  }

  private static Element parse(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    return doc.getDocumentElement();
  }

  private static Map<String, String> properties(Element root) {
    Map<String, String> props = new HashMap<>();
    Element properties = directChild(root, "properties");
    if (properties != null) {
      for (Node n = properties.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element e) {
          props.put(e.getTagName(), e.getTextContent().trim());
        }
      }
    }
    return props;
  }

  /** Each dependency as "group:artifact:version:type:scope", properties resolved. */
  private static List<String> dependencies(Element root, Map<String, String> props) {
    List<String> out = new ArrayList<>();
    NodeList deps = root.getElementsByTagName("dependency");
    for (int i = 0; i < deps.getLength(); i++) {
      Element d = (Element) deps.item(i);
      out.add(resolve(String.join(":", text(d, "groupId"), text(d, "artifactId"), String.valueOf(text(d, "version")),
          String.valueOf(text(d, "type")), String.valueOf(text(d, "scope"))), props));
    }
    return out;
  }

  private static String resolve(String value, Map<String, String> props) {
    Matcher m = PROPERTY.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2);
      m.appendReplacement(sb, Matcher.quoteReplacement(props.getOrDefault(name, m.group())));
    }
    return m.appendTail(sb).toString();
  }

  private static String text(Element parent, String tag) {
    Element child = directChild(parent, tag);
    return child == null ? null : child.getTextContent().trim();
  }

  private static Element directChild(Element parent, String tag) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e;
      }
    }
    return null;
  }
}
