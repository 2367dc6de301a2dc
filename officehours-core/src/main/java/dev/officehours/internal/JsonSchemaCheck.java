package dev.officehours.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a tool's arguments against the JSON schema of its parameters: a small subset of JSON
 * Schema (draft 2020-12 wording), enough for what function-calling schemas use, so that a model's
 * mistake reaches it as a clear error result instead of reaching the tool.
 *
 * <p>Checked keywords:
 * <ul>
 *   <li>{@code type}: {@code string}, {@code number}, {@code integer} (a number without a
 *       fractional part, so {@code 2.0} counts), {@code boolean}, {@code object}, {@code array},
 *       {@code null}, or an array of these;
 *   <li>objects: {@code properties}, {@code required}, {@code additionalProperties} ({@code
 *       false}, or a schema the other properties must fit; absent or {@code true} allows any);
 *   <li>any value: {@code enum}, {@code const} (numbers compare by value: {@code 1} equals
 *       {@code 1.0}), {@code anyOf} (fits at least one), {@code oneOf} (fits exactly one);
 *   <li>numbers: {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code
 *       exclusiveMaximum} (numbers, as since draft 6; draft 4's boolean form is rejected);
 *   <li>strings: {@code minLength}, {@code maxLength} (in Unicode code points), {@code pattern}
 *       (a Java regular expression, searched for anywhere in the string as JSON Schema does;
 *       write {@code ^...$} to match the whole string);
 *   <li>arrays: {@code items} (one schema every element must fit), {@code minItems}, {@code
 *       maxItems}.
 * </ul>
 * A schema nested in another may also be {@code true} (anything fits) or {@code false} (nothing
 * does). {@code description}, {@code title}, {@code default}, {@code examples} and {@code $schema}
 * are ignored, as annotations.
 *
 * <p>Not checked (accepted in a schema and passed to the model, but any value passes them):
 * {@code $ref}, {@code $defs} and {@code definitions} (references are not resolved), {@code
 * allOf}, {@code not}, {@code if}/{@code then}/{@code else}, {@code format}, {@code multipleOf},
 * {@code uniqueItems}, {@code contains}, {@code prefixItems}, {@code patternProperties}, {@code
 * propertyNames}, {@code minProperties}, {@code maxProperties}, {@code dependentRequired}, {@code
 * dependentSchemas}, {@code dependencies}, and any keyword not listed above. The tuple form of
 * {@code items} (an array of schemas) is rejected rather than silently not checked.
 *
 * <p>Bounded against hostile input: a schema may nest at most {@link #MAX_DEPTH} levels, so the
 * check of a value never descends deeper either, whatever the value's depth; at most {@link
 * #MAX_VIOLATIONS} messages are collected; a {@code pattern} gets at most {@link
 * #MAX_PATTERN_STEPS} character reads per string, so a pattern that backtracks badly on a long
 * string ends as a violation instead of holding a thread.
 */
public final class JsonSchemaCheck {
  /** The most levels of schemas nested in schemas that {@link #parse} accepts. */
  public static final int MAX_DEPTH = 32;
  /** The most messages {@link #violations} returns. */
  public static final int MAX_VIOLATIONS = 10;
  /** The most characters a {@code pattern} may read of one string before the check gives up. */
  public static final long MAX_PATTERN_STEPS = 1_000_000;

  /** Longest piece of a schema, property name or value quoted in a message. */
  private static final int QUOTE_CHARS = 80;
  private static final Set<String> TYPES =
      Set.of("string", "number", "integer", "boolean", "object", "array", "null");
  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  /** Compiled once per distinct pattern; tools are few, so a small bound is plenty. */
  private static final Cache<String, Pattern> PATTERNS =
      Caffeine.newBuilder().maximumSize(1_000).build();

  private JsonSchemaCheck() {}

  /**
   * Parses and checks a tool's argument schema: valid JSON, an object whose root {@code type} is
   * {@code "object"} (or, without a {@code type}, that has {@code properties}), and every checked
   * keyword, at any depth, of the right form.
   *
   * @param schema the schema as JSON text; not null
   * @return the parsed schema, to pass to {@link #violations}; a fresh tree the caller may keep
   *     (and must not change while it uses it for checks)
   * @throws IllegalArgumentException saying what is wrong and where ({@code #/properties/day}),
   *     when the schema is not JSON, not an object schema, nested deeper than {@link #MAX_DEPTH},
   *     or uses a checked keyword wrongly (e.g. a {@code required} that is not an array of
   *     strings, a {@code pattern} that is not a valid regular expression)
   */
  public static JsonNode parse(String schema) {
    Objects.requireNonNull(schema, "schema");
    JsonNode root;
    try {
      root = JSON.readTree(schema);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the schema is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw new IllegalArgumentException("the schema is empty: it must be a JSON object");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("the schema must be a JSON object, not " + kindOf(root));
    }
    JsonNode type = root.get("type");
    if (type == null) {
      if (!root.has("properties")) {
        throw new IllegalArgumentException("the schema must have \"type\": \"object\" (a tool's"
            + " arguments are an object)");
      }
    } else if (!(type.isTextual() && type.asText().equals("object"))) {
      throw new IllegalArgumentException("the schema's root \"type\" must be \"object\" (a tool's"
          + " arguments are an object), not " + quote(type));
    }
    checkSchema(root, "#", 0);
    return root;
  }

  /**
   * What in {@code value} breaks {@code schema}.
   *
   * @param schema a schema returned by {@link #parse}; at its root a missing {@code type} means
   *     {@code object}
   * @param value the value to check, e.g. a tool call's parsed arguments
   * @return empty when the value fits; otherwise at most {@link #MAX_VIOLATIONS} messages, each
   *     starting with the JSON path of the value it is about, e.g. {@code $.day: required property
   *     is missing}, {@code $.slots[2]: must be an integer, not string}, {@code $: unexpected
   *     property 'foo'}
   */
  public static List<String> violations(JsonNode schema, JsonNode value) {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(value, "value");
    Found found = new Found(MAX_VIOLATIONS);
    if (schema.isObject() && schema.get("type") == null && schema.has("properties")
        && !value.isObject()) {
      found.add("$", "must be an object, not " + kindOf(value));
    } else {
      check(schema, value, "$", 0, found);
    }
    return List.copyOf(found.messages);
  }

  // ---------------------------------------------------------------- the schema's form

  private static void checkSchema(JsonNode s, String at, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("the schema is nested deeper than " + MAX_DEPTH
          + " levels (at " + cut(at) + ")");
    }
    if (s.isBoolean()) {
      return;
    }
    if (!s.isObject()) {
      throw new IllegalArgumentException("the schema at " + cut(at)
          + " must be an object (or true or false), not " + kindOf(s));
    }
    JsonNode type = s.get("type");
    if (type != null) {
      if (type.isArray()) {
        if (type.isEmpty()) {
          throw malformed("type", at, "must name at least one type");
        }
        for (JsonNode t : type) {
          checkTypeName(t, at);
        }
      } else {
        checkTypeName(type, at);
      }
    }
    JsonNode properties = s.get("properties");
    if (properties != null) {
      if (!properties.isObject()) {
        throw malformed("properties", at, "must be an object, not " + kindOf(properties));
      }
      for (Map.Entry<String, JsonNode> p : properties.properties()) {
        checkSchema(p.getValue(), at + "/properties/" + pointerEscape(p.getKey()), depth + 1);
      }
    }
    JsonNode required = s.get("required");
    if (required != null) {
      if (!required.isArray()) {
        throw malformed("required", at, "must be an array of property names, not "
            + kindOf(required));
      }
      for (JsonNode name : required) {
        if (!name.isTextual()) {
          throw malformed("required", at, "must hold property names (strings), not "
              + kindOf(name));
        }
      }
    }
    JsonNode additional = s.get("additionalProperties");
    if (additional != null) {
      checkSchema(additional, at + "/additionalProperties", depth + 1);
    }
    JsonNode enumValues = s.get("enum");
    if (enumValues != null) {
      if (!enumValues.isArray()) {
        throw malformed("enum", at, "must be an array, not " + kindOf(enumValues));
      }
      if (enumValues.isEmpty()) {
        throw malformed("enum", at, "must list at least one value (no value would fit)");
      }
    }
    for (String k : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
      JsonNode n = s.get(k);
      if (n == null || n.isNumber()) {
        continue;
      }
      if (n.isBoolean() && k.startsWith("exclusive")) {
        throw malformed(k, at, "must be a number: draft 4's boolean form is not supported (write"
            + " \"" + k + "\": <limit> instead of \"" + (k.endsWith("Minimum") ? "minimum" : "maximum")
            + "\" with " + n + ")");
      }
      throw malformed(k, at, "must be a number, not " + kindOf(n));
    }
    for (String k : List.of("minLength", "maxLength", "minItems", "maxItems")) {
      JsonNode n = s.get(k);
      if (n != null && !(isInteger(n) && n.decimalValue().signum() >= 0
          && n.decimalValue().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0)) {
        throw malformed(k, at, "must be a whole number from 0 to " + Integer.MAX_VALUE + ", not "
            + quote(n));
      }
    }
    JsonNode pattern = s.get("pattern");
    if (pattern != null) {
      if (!pattern.isTextual()) {
        throw malformed("pattern", at, "must be a string, not " + kindOf(pattern));
      }
      try {
        compile(pattern.asText());
      } catch (PatternSyntaxException e) {
        throw malformed("pattern", at, "is not a valid Java regular expression: "
            + cut(e.getDescription()) + " near index " + e.getIndex());
      }
    }
    JsonNode items = s.get("items");
    if (items != null) {
      if (items.isArray()) {
        throw malformed("items", at, "must be one schema for every element: the tuple form (an"
            + " array of schemas) is not supported");
      }
      if (!items.isObject() && !items.isBoolean()) {
        throw malformed("items", at, "must be a schema object, not " + kindOf(items));
      }
      checkSchema(items, at + "/items", depth + 1);
    }
    for (String k : List.of("anyOf", "oneOf")) {
      JsonNode alternatives = s.get(k);
      if (alternatives == null) {
        continue;
      }
      if (!alternatives.isArray() || alternatives.isEmpty()) {
        throw malformed(k, at, "must be a non-empty array of schemas, not "
            + (alternatives.isArray() ? "an empty one" : kindOf(alternatives)));
      }
      for (int i = 0; i < alternatives.size(); i++) {
        checkSchema(alternatives.get(i), at + "/" + k + "/" + i, depth + 1);
      }
    }
  }

  private static void checkTypeName(JsonNode t, String at) {
    if (!t.isTextual() || !TYPES.contains(t.asText())) {
      throw malformed("type", at, "must be one of string, number, integer, boolean, object,"
          + " array, null (or an array of them), not " + quote(t));
    }
  }

  private static IllegalArgumentException malformed(String keyword, String at, String what) {
    return new IllegalArgumentException("\"" + keyword + "\" at " + cut(at) + " " + what);
  }

  private static String pointerEscape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  // ---------------------------------------------------------------- a value against a schema

  /** Collects messages up to a limit; a full one makes every further check stop early. */
  private static final class Found {
    final List<String> messages = new ArrayList<>();
    final int limit;

    Found(int limit) {
      this.limit = limit;
    }

    boolean full() {
      return messages.size() >= limit;
    }

    void add(String path, String message) {
      if (!full()) {
        messages.add(path + ": " + message);
      }
    }
  }

  private static void check(JsonNode s, JsonNode v, String path, int depth, Found found) {
    // parse() bounds the depth; this guard only keeps a schema that skipped parse() from
    // overflowing the stack
    if (found.full() || depth > MAX_DEPTH) {
      return;
    }
    if (s.isBoolean()) {
      if (!s.booleanValue()) {
        found.add(path, "no value is allowed here");
      }
      return;
    }
    if (!s.isObject()) {
      return;
    }
    JsonNode type = s.get("type");
    if (type != null && !fitsType(type, v)) {
      // the other keywords would only repeat the same mistake in other words
      found.add(path, "must be " + describeTypes(type) + ", not " + kindOf(v));
      return;
    }
    JsonNode enumValues = s.get("enum");
    if (enumValues != null && enumValues.isArray()) {
      boolean listed = false;
      for (JsonNode e : enumValues) {
        if (same(e, v)) {
          listed = true;
          break;
        }
      }
      if (!listed) {
        found.add(path, "must be one of " + quote(enumValues));
      }
    }
    JsonNode constant = s.get("const");
    if (constant != null && !same(constant, v)) {
      found.add(path, "must be " + quote(constant));
    }
    if (v.isNumber()) {
      checkNumber(s, v, path, found);
    } else if (v.isTextual()) {
      checkString(s, v.asText(), path, found);
    } else if (v.isArray()) {
      checkArray(s, v, path, depth, found);
    } else if (v.isObject()) {
      checkObject(s, v, path, depth, found);
    }
    checkAlternatives(s, v, path, depth, found);
  }

  private static void checkNumber(JsonNode s, JsonNode v, String path, Found found) {
    JsonNode min = s.get("minimum");
    if (min != null && min.isNumber() && compare(v, min) < 0) {
      found.add(path, "must be at least " + number(min) + ", not " + number(v));
    }
    JsonNode max = s.get("maximum");
    if (max != null && max.isNumber() && compare(v, max) > 0) {
      found.add(path, "must be at most " + number(max) + ", not " + number(v));
    }
    JsonNode xmin = s.get("exclusiveMinimum");
    if (xmin != null && xmin.isNumber() && compare(v, xmin) <= 0) {
      found.add(path, "must be greater than " + number(xmin) + ", not " + number(v));
    }
    JsonNode xmax = s.get("exclusiveMaximum");
    if (xmax != null && xmax.isNumber() && compare(v, xmax) >= 0) {
      found.add(path, "must be less than " + number(xmax) + ", not " + number(v));
    }
  }

  private static void checkString(JsonNode s, String v, String path, Found found) {
    JsonNode minLength = s.get("minLength");
    JsonNode maxLength = s.get("maxLength");
    if (minLength != null || maxLength != null) {
      long length = v.codePointCount(0, v.length());
      if (minLength != null && isInteger(minLength) && length < minLength.longValue()) {
        found.add(path, "must be at least " + minLength.longValue() + " characters long, not "
            + length);
      }
      if (maxLength != null && isInteger(maxLength) && length > maxLength.longValue()) {
        found.add(path, "must be at most " + maxLength.longValue() + " characters long, not "
            + length);
      }
    }
    JsonNode pattern = s.get("pattern");
    if (pattern != null && pattern.isTextual()) {
      Pattern p;
      try {
        p = compile(pattern.asText());
      } catch (PatternSyntaxException e) {
        return; // parse() rejects it; a schema that skipped parse() gets no check of it
      }
      try {
        if (!p.matcher(new BoundedChars(v, MAX_PATTERN_STEPS)).find()) {
          found.add(path, "must match the pattern " + cut(pattern.asText()));
        }
      } catch (BoundedChars.TooManySteps e) {
        found.add(path, "could not be checked against the pattern " + cut(pattern.asText())
            + " within " + MAX_PATTERN_STEPS + " steps");
      }
    }
  }

  private static void checkArray(JsonNode s, JsonNode v, String path, int depth, Found found) {
    JsonNode minItems = s.get("minItems");
    if (minItems != null && isInteger(minItems) && v.size() < minItems.longValue()) {
      found.add(path, "must have at least " + minItems.longValue() + " item"
          + (minItems.longValue() == 1 ? "" : "s") + ", not " + v.size());
    }
    JsonNode maxItems = s.get("maxItems");
    if (maxItems != null && isInteger(maxItems) && v.size() > maxItems.longValue()) {
      found.add(path, "must have at most " + maxItems.longValue() + " item"
          + (maxItems.longValue() == 1 ? "" : "s") + ", not " + v.size());
    }
    JsonNode items = s.get("items");
    if (items != null && (items.isObject() || items.isBoolean())) {
      for (int i = 0; i < v.size() && !found.full(); i++) {
        check(items, v.get(i), path + "[" + i + "]", depth + 1, found);
      }
    }
  }

  private static void checkObject(JsonNode s, JsonNode v, String path, int depth, Found found) {
    JsonNode required = s.get("required");
    if (required != null && required.isArray()) {
      for (JsonNode name : required) {
        if (name.isTextual() && !v.has(name.asText())) {
          found.add(member(path, name.asText()), "required property is missing");
        }
      }
    }
    JsonNode properties = s.get("properties");
    if (properties != null && properties.isObject()) {
      for (Map.Entry<String, JsonNode> p : properties.properties()) {
        if (found.full()) {
          return;
        }
        JsonNode given = v.get(p.getKey());
        if (given != null) {
          check(p.getValue(), given, member(path, p.getKey()), depth + 1, found);
        }
      }
    }
    JsonNode additional = s.get("additionalProperties");
    if (additional == null || (additional.isBoolean() && additional.booleanValue())) {
      return;
    }
    for (Map.Entry<String, JsonNode> field : v.properties()) {
      if (found.full()) {
        return;
      }
      if (properties != null && properties.isObject() && properties.has(field.getKey())) {
        continue;
      }
      if (additional.isBoolean()) {
        found.add(path, "unexpected property '" + printable(field.getKey()) + "'");
      } else {
        check(additional, field.getValue(), member(path, field.getKey()), depth + 1, found);
      }
    }
  }

  private static void checkAlternatives(JsonNode s, JsonNode v, String path, int depth,
      Found found) {
    JsonNode anyOf = s.get("anyOf");
    if (anyOf != null && anyOf.isArray() && !anyOf.isEmpty() && !found.full()) {
      String firstMiss = null;
      boolean fits = false;
      for (JsonNode alternative : anyOf) {
        Found f = new Found(1);
        check(alternative, v, path, depth + 1, f);
        if (f.messages.isEmpty()) {
          fits = true;
          break;
        }
        if (firstMiss == null) {
          firstMiss = f.messages.get(0);
        }
      }
      if (!fits) {
        found.add(path, "must match at least one of the " + anyOf.size() + " schemas in anyOf"
            + " (the first says: " + firstMiss + ")");
      }
    }
    JsonNode oneOf = s.get("oneOf");
    if (oneOf != null && oneOf.isArray() && !oneOf.isEmpty() && !found.full()) {
      String firstMiss = null;
      int fitting = 0;
      for (JsonNode alternative : oneOf) {
        Found f = new Found(1);
        check(alternative, v, path, depth + 1, f);
        if (f.messages.isEmpty()) {
          if (++fitting > 1) {
            break;
          }
        } else if (firstMiss == null) {
          firstMiss = f.messages.get(0);
        }
      }
      if (fitting == 0) {
        found.add(path, "must match exactly one of the " + oneOf.size() + " schemas in oneOf,"
            + " but matches none (the first says: " + firstMiss + ")");
      } else if (fitting > 1) {
        found.add(path, "must match exactly one of the " + oneOf.size() + " schemas in oneOf,"
            + " but matches more than one");
      }
    }
  }

  // ---------------------------------------------------------------- types and values

  private static boolean fitsType(JsonNode type, JsonNode v) {
    if (type.isTextual()) {
      return fitsType(type.asText(), v);
    }
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (t.isTextual() && fitsType(t.asText(), v)) {
          return true;
        }
      }
      return false;
    }
    return true; // parse() rejects any other form
  }

  private static boolean fitsType(String type, JsonNode v) {
    return switch (type) {
      case "string" -> v.isTextual();
      case "number" -> v.isNumber();
      case "integer" -> isInteger(v);
      case "boolean" -> v.isBoolean();
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "null" -> v.isNull();
      default -> true;
    };
  }

  private static String describeTypes(JsonNode type) {
    List<String> names = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(t -> names.add(withArticle(t.asText())));
    } else {
      names.add(withArticle(type.asText()));
    }
    return String.join(" or ", names);
  }

  private static String withArticle(String type) {
    return switch (type) {
      case "null" -> "null";
      case "integer", "object", "array" -> "an " + type;
      default -> "a " + type;
    };
  }

  /** The JSON type of {@code v} as a schema names it; integral numbers are {@code integer}. */
  static String kindOf(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    if (v.isTextual()) {
      return "string";
    }
    if (v.isNumber()) {
      return isInteger(v) ? "integer" : "number";
    }
    if (v.isBoolean()) {
      return "boolean";
    }
    if (v.isObject()) {
      return "object";
    }
    if (v.isArray()) {
      return "array";
    }
    if (v.isNull()) {
      return "null";
    }
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static boolean isInteger(JsonNode v) {
    if (v.isIntegralNumber()) {
      return true;
    }
    if (!v.isNumber() || !finite(v)) {
      return false;
    }
    return v.decimalValue().stripTrailingZeros().scale() <= 0;
  }

  private static boolean finite(JsonNode number) {
    return !(number.isDouble() || number.isFloat()) || Double.isFinite(number.doubleValue());
  }

  private static int compare(JsonNode a, JsonNode b) {
    if (finite(a) && finite(b)) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return Double.compare(a.doubleValue(), b.doubleValue());
  }

  /** JSON equality: numbers by value ({@code 1 == 1.0}), objects regardless of member order. */
  private static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return compare(a, b) == 0;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!same(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        JsonNode other = b.get(e.getKey());
        if (other == null || !same(e.getValue(), other)) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  // ---------------------------------------------------------------- messages

  /** {@code $.day} for a plain name, {@code $["two words"]} for any other. */
  private static String member(String path, String name) {
    String shown = name.length() > QUOTE_CHARS ? name.substring(0, QUOTE_CHARS) + "…" : name;
    return PLAIN_NAME.matcher(name).matches() ? path + "." + shown
        : path + "[" + new TextNode(shown) + "]";
  }

  /** A value as compact JSON, cut to a readable length. */
  private static String quote(JsonNode v) {
    return cut(v.toString());
  }

  /** A number as written ({@code 1.0}, {@code Infinity}), cut to a readable length. */
  private static String number(JsonNode v) {
    return cut(v.asText());
  }

  /** A name the model wrote, with control characters escaped and cut to a readable length. */
  private static String printable(String s) {
    String quoted = new TextNode(s).toString();
    return cut(quoted.substring(1, quoted.length() - 1));
  }

  private static String cut(String s) {
    return s.length() <= QUOTE_CHARS ? s : s.substring(0, QUOTE_CHARS) + "…";
  }

  private static Pattern compile(String regex) {
    Pattern p = PATTERNS.getIfPresent(regex);
    if (p == null) {
      p = Pattern.compile(regex);
      PATTERNS.put(regex, p);
    }
    return p;
  }

  /**
   * A string that counts how often a regular expression reads it and stops it past a budget:
   * the matcher reads the input only through {@link #charAt}, so this bounds its backtracking.
   */
  private static final class BoundedChars implements CharSequence {
    /** The budget ran out; unchecked, so it passes through the matcher. */
    static final class TooManySteps extends RuntimeException {
      private static final long serialVersionUID = 1L;

      TooManySteps() {
        super(null, null, false, false);
      }
    }

    private final String s;
    private final long[] left;

    BoundedChars(String s, long budget) {
      this(s, new long[] {budget});
    }

    private BoundedChars(String s, long[] left) {
      this.s = s;
      this.left = left;
    }

    @Override
    public char charAt(int index) {
      if (--left[0] < 0) {
        throw new TooManySteps();
      }
      return s.charAt(index);
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new BoundedChars(s.substring(start, end), left);
    }

    @Override
    public String toString() {
      return s;
    }
  }
}
