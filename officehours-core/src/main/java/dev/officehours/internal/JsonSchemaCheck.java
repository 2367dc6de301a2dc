package dev.officehours.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** PLACEHOLDER: replaced by the full checker. */
public final class JsonSchemaCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonSchemaCheck() {}

  /** Parses and checks a tool's argument schema. */
  public static JsonNode parse(String schema) {
    try {
      JsonNode n = JSON.readTree(schema);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("the schema must be a JSON object");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the schema is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** What in {@code value} breaks {@code schema}, at most a few messages; empty when it fits. */
  public static List<String> violations(JsonNode schema, JsonNode value) {
    return List.of();
  }
}
