package dev.officehours.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Extra request-body fields and headers a caller adds to a provider request, for provider features
 * the SDK does not model: checked once (JSON values only, no field the provider writes itself, no
 * header that would break the request), copied into unmodifiable maps, and written canonically for
 * cache keys.
 */
public final class RequestExtras {
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  /** Headers the HTTP client or the provider sets; a caller's value would break the request. */
  private static final Set<String> RESERVED_HEADERS = Set.of(
      "content-type", "content-length", "accept", "host", "connection", "transfer-encoding",
      "accept-encoding", "te", "upgrade", "keep-alive", "proxy-connection", "trailer");
  private static final int MAX_DEPTH = 16;

  private RequestExtras() {}

  /**
   * Checks and copies extra body fields.
   *
   * @param fields names to JSON values: null, strings, numbers, booleans, lists and maps of these
   * @param reserved fields the provider writes itself, which may not be given here
   * @param setting the setting's name, for messages
   * @return an unmodifiable deep copy, in the given order
   * @throws IllegalArgumentException naming the field when a value is not JSON or a field is reserved
   */
  public static Map<String, Object> body(Map<String, ?> fields, Set<String> reserved, String setting) {
    Objects.requireNonNull(fields, setting);
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : fields.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), setting + " field name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException(setting + ": a field name must not be empty");
      }
      if (reserved.contains(name)) {
        throw new IllegalArgumentException(setting + ": '" + name
            + "' is written by the provider itself; use its own setting instead");
      }
      copy.put(name, value(e.getValue(), setting + "." + name, 0));
    }
    return Collections.unmodifiableMap(copy);
  }

  private static Object value(Object v, String path, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(path + ": nested deeper than " + MAX_DEPTH + " levels");
    }
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer
        || v instanceof Long || v instanceof Short || v instanceof Byte
        || v instanceof java.math.BigInteger || v instanceof java.math.BigDecimal) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException(path + ": " + d + " is not a JSON number");
      }
      return v;
    }
    if (v instanceof Map) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException(path + ": object keys must be strings");
        }
        m.put((String) e.getKey(), value(e.getValue(), path + "." + e.getKey(), depth + 1));
      }
      return Collections.unmodifiableMap(m);
    }
    if (v instanceof List) {
      List<Object> l = new ArrayList<>();
      int i = 0;
      for (Object o : (List<?>) v) {
        l.add(value(o, path + "[" + i++ + "]", depth + 1));
      }
      return Collections.unmodifiableList(l);
    }
    throw new IllegalArgumentException(path + ": a " + v.getClass().getSimpleName()
        + " is not a JSON value (use strings, numbers, booleans, lists, maps or null)");
  }

  /**
   * Checks and copies extra headers.
   *
   * @param headers names to values
   * @param setting the setting's name, for messages
   * @return an unmodifiable copy, in the given order
   * @throws IllegalArgumentException naming the header when its name is not a token, its value
   *     holds a line break or control character, or it is one the client sets itself
   */
  public static Map<String, String> headers(Map<String, String> headers, String setting) {
    Objects.requireNonNull(headers, setting);
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), setting + " header name");
      String value = Objects.requireNonNull(e.getValue(), setting + " value of " + name);
      if (name.isEmpty() || !name.chars().allMatch(RequestExtras::isTokenChar)) {
        throw new IllegalArgumentException(setting + ": '" + printable(name) + "' is not a header name");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(setting + ": " + name + " is set by the HTTP client");
      }
      // The value is left out of messages: a header may carry a credential.
      if (!value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f))) {
        throw new IllegalArgumentException(setting + ": the value of " + name
            + " holds a line break or control character");
      }
      copy.put(name, value);
    }
    return Collections.unmodifiableMap(copy);
  }

  private static boolean isTokenChar(int c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(40).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }

  /**
   * The fields as JSON with sorted keys: equal maps give equal text, for cache keys and size checks.
   *
   * @param fields checked fields
   * @return their canonical JSON
   */
  public static String canonical(Map<String, ?> fields) {
    try {
      return CANONICAL.writeValueAsString(new TreeMap<>(fields));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("checked extras cannot be written as JSON", e);
    }
  }
}
