package dev.officehours.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Objects;

/**
 * The arguments the model passed to a tool: a JSON object, already checked against the tool's
 * schema when the pipeline hands it over. The typed getters throw {@link IllegalArgumentException}
 * naming the argument when it is missing or of another type; thrown from a tool, that reaches the
 * model as the call's error, so it can try again.
 */
public final class ToolArguments {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String json;
  private final JsonNode root;

  private ToolArguments(String json, JsonNode root) {
    this.json = json;
    this.root = root;
  }

  /**
   * Parses arguments, e.g. to test a tool function on its own.
   *
   * @param json a JSON object; an empty or blank string counts as {@code {}}
   * @return the arguments
   * @throws IllegalArgumentException when {@code json} is not a JSON object
   */
  public static ToolArguments parse(String json) {
    Objects.requireNonNull(json, "json");
    String text = json.isBlank() ? "{}" : json;
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the arguments are not valid JSON: "
          + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the arguments must be a JSON object, not "
          + (root == null ? "nothing" : root.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
    }
    return new ToolArguments(text, root);
  }

  /**
   * The arguments as the model wrote them, for a tool that parses them itself.
   *
   * @return the JSON object's text ({@code {}} when the model sent nothing)
   */
  public String json() {
    return json;
  }

  /**
   * Whether an argument is present and not JSON {@code null}.
   *
   * @param name the argument's name
   * @return true when present
   */
  public boolean has(String name) {
    JsonNode v = root.get(name);
    return v != null && !v.isNull();
  }

  /**
   * A string argument.
   *
   * @param name the argument's name
   * @return its value
   * @throws IllegalArgumentException when it is missing or not a string
   */
  public String string(String name) {
    JsonNode v = require(name);
    if (!v.isTextual()) {
      throw wrongType(name, "a string", v);
    }
    return v.textValue();
  }

  /**
   * An optional string argument.
   *
   * @param name the argument's name
   * @param fallback returned when the argument is missing or null
   * @return its value, or {@code fallback}
   * @throws IllegalArgumentException when it is present but not a string
   */
  public String string(String name, String fallback) {
    return has(name) ? string(name) : fallback;
  }

  /**
   * A whole-number argument.
   *
   * @param name the argument's name
   * @return its value
   * @throws IllegalArgumentException when it is missing, not a number, or not a whole number
   *     that fits in a long
   */
  public long integer(String name) {
    JsonNode v = require(name);
    if (!v.isNumber() || !v.canConvertToExactIntegral() || !v.canConvertToLong()) {
      throw wrongType(name, "a whole number", v);
    }
    return v.longValue();
  }

  /**
   * A number argument.
   *
   * @param name the argument's name
   * @return its value
   * @throws IllegalArgumentException when it is missing or not a number
   */
  public double number(String name) {
    JsonNode v = require(name);
    if (!v.isNumber()) {
      throw wrongType(name, "a number", v);
    }
    return v.doubleValue();
  }

  /**
   * A boolean argument.
   *
   * @param name the argument's name
   * @return its value
   * @throws IllegalArgumentException when it is missing or not a boolean
   */
  public boolean bool(String name) {
    JsonNode v = require(name);
    if (!v.isBoolean()) {
      throw wrongType(name, "true or false", v);
    }
    return v.booleanValue();
  }

  /**
   * All arguments as plain Java values: maps, lists, strings, numbers, booleans and nulls.
   *
   * @return a new mutable map, in the model's order
   */
  public Map<String, Object> asMap() {
    return JSON.convertValue(root, new TypeReference<Map<String, Object>>() {});
  }

  private JsonNode require(String name) {
    Objects.requireNonNull(name, "name");
    JsonNode v = root.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("argument '" + name + "' is missing");
    }
    return v;
  }

  private static IllegalArgumentException wrongType(String name, String expected, JsonNode v) {
    return new IllegalArgumentException("argument '" + name + "' must be " + expected + ", not "
        + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
  }

  @Override
  public String toString() {
    return json.length() <= 200 ? json : json.substring(0, 200) + "...(" + json.length() + " chars)";
  }
}
