package dev.officehours.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table of test cases in a text file under test resources. Each case starts with a line
 * {@code ### name} followed by {@code key: value} lines; {@code #} lines are comments. Values are
 * written on one line with escapes: {@code \n \r \t}, {@code \s} (a space, for leading or trailing
 * ones), backslash-u and four hex digits, a doubled backslash, and {@code \|} (a literal bar where {@code |} separates list
 * items).
 */
record Corpus(String name, Map<String, String> fields) {

  static List<Corpus> load(String resource) {
    String text;
    try (InputStream in = Corpus.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Corpus> cases = new ArrayList<>();
    String name = null;
    Map<String, String> fields = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.startsWith("### ")) {
        if (name != null) {
          cases.add(new Corpus(name, fields));
        }
        name = line.substring(4).strip();
        fields = new LinkedHashMap<>();
      } else if (line.isBlank() || line.startsWith("#")) {
        continue;
      } else {
        int colon = line.indexOf(':');
        if (name == null || colon < 0) {
          throw new IllegalStateException(resource + ":" + lineNo + ": expected '### name' or 'key: value'");
        }
        String key = line.substring(0, colon).strip();
        String value = line.substring(colon + 1).stripLeading();
        if (fields.put(key, value) != null) {
          throw new IllegalStateException(resource + ":" + lineNo + ": duplicate key " + key);
        }
      }
    }
    if (name != null) {
      cases.add(new Corpus(name, fields));
    }
    return cases;
  }

  /** The unescaped value of a field that must be there. */
  String get(String key) {
    String raw = fields.get(key);
    if (raw == null) {
      throw new IllegalStateException("case '" + name + "' has no '" + key + "'");
    }
    return unescape(raw);
  }

  /** The items of a {@code |}-separated field, unescaped; an empty field is an empty list. */
  List<String> list(String key) {
    String raw = fields.get(key);
    if (raw == null) {
      throw new IllegalStateException("case '" + name + "' has no '" + key + "'");
    }
    List<String> items = new ArrayList<>();
    if (raw.isEmpty()) {
      return items;
    }
    int from = 0;
    for (int k = 0; k < raw.length(); k++) {
      char c = raw.charAt(k);
      if (c == '\\') {
        k++;
      } else if (c == '|') {
        items.add(unescape(raw.substring(from, k)));
        from = k + 1;
      }
    }
    items.add(unescape(raw.substring(from)));
    return items;
  }

  boolean has(String key) {
    return fields.containsKey(key);
  }

  static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c != '\\' || k + 1 == s.length()) {
        out.append(c);
        continue;
      }
      char e = s.charAt(++k);
      switch (e) {
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 's' -> out.append(' ');
        case 'u' -> {
          out.append((char) Integer.parseInt(s.substring(k + 1, k + 5), 16));
          k += 4;
        }
        default -> out.append(e);
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return name;
  }
}
