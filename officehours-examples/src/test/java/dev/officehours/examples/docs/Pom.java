package dev.officehours.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * The part of a POM that says what a dependant gets: its coordinates, and the dependencies it
 * declares or inherits from its parents, with scope (its own or its parents' managed one),
 * optionality and exclusions. Enough of Maven's model to follow what core, redis and their
 * libraries bring a user; it does not resolve versions, which the class path already has.
 */
final class Pom {
  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

  /** A dependency as a POM declares it; {@code scope} is never null ("compile" when unsaid). */
  record Dependency(String groupId, String artifactId, String scope, boolean optional, Set<String> exclusions) {
    String key() {
      return groupId + ":" + artifactId;
    }
  }

  /** What a {@code <dependencyManagement>} entry adds to a dependency that names no scope of its own. */
  private record Managed(String scope, Set<String> exclusions) {}

  private static final Map<Path, Pom> BOMS = new ConcurrentHashMap<>();

  private final Path file;
  private final Element project;
  private final Pom parent;
  private final Path repository;
  private final Map<String, String> properties = new HashMap<>();

  private Pom(Path file, Element project, Pom parent, Path repository) {
    this.file = file;
    this.project = project;
    this.parent = parent;
    this.repository = repository;
    if (parent != null) {
      properties.putAll(parent.properties);
    }
    Element props = child(project, "properties");
    if (props != null) {
      for (Element p : children(props)) {
        properties.put(p.getTagName(), p.getTextContent().trim());
      }
    }
    properties.put("project.groupId", groupId());
    properties.put("pom.groupId", groupId());
    properties.put("groupId", groupId());
    properties.put("project.artifactId", artifactId());
    if (parent != null) {
      properties.put("project.parent.groupId", parent.groupId());
    }
  }

  /**
   * Reads {@code file} and its parents: the one at {@code <relativePath>} (by default ../pom.xml)
   * when it is that parent, else the one in {@code repository} (may be null), where the BOMs it
   * imports are too.
   */
  static Pom read(Path file, Path repository) {
    Element project = parse(file);
    Element parentRef = child(project, "parent");
    Pom parent = null;
    if (parentRef != null) {
      String group = text(parentRef, "groupId");
      String artifact = text(parentRef, "artifactId");
      String version = text(parentRef, "version");
      String relative = text(parentRef, "relativePath");
      Path local = file.getParent().resolve(relative == null ? "../pom.xml" : relative).normalize();
      if (Files.isDirectory(local)) {
        local = local.resolve("pom.xml");
      }
      Path inRepository = repository == null || group == null || artifact == null || version == null ? null
          : repository.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
              .resolve(artifact + "-" + version + ".pom");
      if (Files.isRegularFile(local) && isPom(local, group, artifact)) {
        parent = read(local, repository);
      } else if (inRepository != null && Files.isRegularFile(inRepository)) {
        parent = read(inRepository, repository);
      }
    }
    return new Pom(file, project, parent, repository);
  }

  private static boolean isPom(Path file, String groupId, String artifactId) {
    Element project = parse(file);
    Element parentRef = child(project, "parent");
    String group = text(project, "groupId") != null ? text(project, "groupId")
        : parentRef == null ? null : text(parentRef, "groupId");
    return artifactId.equals(text(project, "artifactId")) && groupId.equals(group);
  }

  Path file() {
    return file;
  }

  String groupId() {
    String own = text(project, "groupId");
    if (own != null) {
      return own;
    }
    Element parentRef = child(project, "parent");
    return parentRef == null ? null : text(parentRef, "groupId");
  }

  String artifactId() {
    return text(project, "artifactId");
  }

  String key() {
    return groupId() + ":" + artifactId();
  }

  /** Its version, or its parent's when it names none. */
  String version() {
    String own = text(project, "version");
    if (own != null) {
      return own;
    }
    Element parentRef = child(project, "parent");
    return parentRef == null ? null : text(parentRef, "version");
  }

  /** Its {@code <properties>}, over its parents'. */
  Map<String, String> properties() {
    return Map.copyOf(properties);
  }

  /**
   * The dependencies it declares and inherits, properties resolved, with the scope and exclusions
   * its {@code <dependencyManagement>} (its parents', the BOMs they import) adds.
   */
  List<Dependency> dependencies() {
    List<Dependency> all = new ArrayList<>();
    if (parent != null) {
      all.addAll(parent.dependencies());
    }
    Element deps = child(project, "dependencies");
    if (deps != null) {
      for (Element d : children(deps)) {
        String group = resolve(text(d, "groupId"));
        String artifact = resolve(text(d, "artifactId"));
        Managed managed = managed(group + ":" + artifact);
        String scope = resolve(text(d, "scope"));
        if (scope == null && managed != null) {
          scope = managed.scope();
        }
        Set<String> exclusions = new LinkedHashSet<>(exclusions(d));
        if (managed != null) {
          exclusions.addAll(managed.exclusions());
        }
        all.add(new Dependency(group, artifact, scope == null ? "compile" : scope,
            "true".equals(resolve(text(d, "optional"))), Set.copyOf(exclusions)));
      }
    }
    return all;
  }

  /** Its own {@code <dependencyManagement>} entries (not its parents'), properties resolved. */
  List<Dependency> managedDependencies() {
    List<Dependency> managed = new ArrayList<>();
    for (Element d : managementEntries()) {
      String scope = resolve(text(d, "scope"));
      managed.add(new Dependency(resolve(text(d, "groupId")), resolve(text(d, "artifactId")),
          scope == null ? "compile" : scope, false, exclusions(d)));
    }
    return managed;
  }

  /** Managed entries of this POM and its parents win over those of the BOMs they import, as in Maven. */
  private Managed managed(String key) {
    for (Pom p = this; p != null; p = p.parent) {
      for (Element d : p.managementEntries()) {
        if (!"import".equals(resolve(text(d, "scope")))
            && key.equals(resolve(text(d, "groupId")) + ":" + resolve(text(d, "artifactId")))) {
          return new Managed(resolve(text(d, "scope")), exclusions(d));
        }
      }
    }
    for (Pom p = this; p != null; p = p.parent) {
      for (Element d : p.managementEntries()) {
        if ("import".equals(resolve(text(d, "scope")))) {
          Pom bom = bom(resolve(text(d, "groupId")), resolve(text(d, "artifactId")), resolve(text(d, "version")));
          Managed managed = bom == null ? null : bom.managed(key);
          if (managed != null) {
            return managed;
          }
        }
      }
    }
    return null;
  }

  private Pom bom(String groupId, String artifactId, String version) {
    if (repository == null || groupId == null || artifactId == null || version == null || version.contains("${")) {
      return null;
    }
    Path file = repository.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version)
        .resolve(artifactId + "-" + version + ".pom");
    return Files.isRegularFile(file) ? BOMS.computeIfAbsent(file, f -> read(f, repository)) : null;
  }

  private List<Element> managementEntries() {
    Element management = child(project, "dependencyManagement");
    Element deps = management == null ? null : child(management, "dependencies");
    return deps == null ? List.of() : children(deps);
  }

  private Set<String> exclusions(Element dependency) {
    Set<String> exclusions = new LinkedHashSet<>();
    Element excl = child(dependency, "exclusions");
    if (excl != null) {
      for (Element e : children(excl)) {
        exclusions.add(resolve(text(e, "groupId")) + ":" + resolve(text(e, "artifactId")));
      }
    }
    return Set.copyOf(exclusions);
  }

  private String resolve(String value) {
    if (value == null) {
      return null;
    }
    Matcher m = PROPERTY.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(properties.getOrDefault(m.group(1), m.group())));
    }
    return m.appendTail(sb).toString();
  }

  static Element parse(Path file) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(file.toFile()).getDocumentElement();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("cannot read the POM " + file + ": " + e.getMessage(), e);
    }
  }

  static String text(Element parent, String tag) {
    Element child = child(parent, tag);
    return child == null ? null : child.getTextContent().trim();
  }

  static Element child(Element parent, String tag) {
    for (Element e : children(parent)) {
      if (e.getTagName().equals(tag)) {
        return e;
      }
    }
    return null;
  }

  static List<Element> children(Element parent) {
    List<Element> children = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        children.add(e);
      }
    }
    return children;
  }
}
