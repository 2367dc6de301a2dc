package dev.officehours.examples.cli;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * Keeps secrets out of what the CLI prints. A URL is shown without its {@code user:password@}
 * part and with its query values masked; text from elsewhere (a provider's error, an exception
 * message) has every secret the CLI was given removed and its control characters escaped, so a
 * hostile server can neither echo a credential back nor forge a line on the terminal. The example
 * server uses it for everything it sends to a browser or writes to its log. Register secrets
 * before sharing an instance between threads; {@link #clean} may then be called from any thread.
 */
public final class Redactor {
  static final String MASK = "***";

  /**
   * Shorter strings are not searched for in free text: a two-letter password would turn every
   * message into noise. URLs are still masked by their structure whatever the length.
   */
  private static final int MIN_SECRET_CHARS = 4;

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

  private final Set<String> secrets = new LinkedHashSet<>();
  private volatile List<String> longestFirst = List.of();

  /** A redactor that knows no secret yet: register them with {@link #secret} and {@link #secretsOf}. */
  public Redactor() {}

  /**
   * Registers a secret, e.g. the API key.
   *
   * @param secret removed from every text {@link #clean} returns; {@code null} is ignored
   * @return this
   */
  public Redactor secret(String secret) {
    if (secret != null && secret.length() >= MIN_SECRET_CHARS && secrets.add(secret)) {
      // longest first, so a secret that contains another one is removed whole
      longestFirst = secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }
    return this;
  }

  /**
   * Registers the secrets a URL carries: its user name, password and query values, as typed and
   * decoded. Works on text that is no http(s) URL at all (no scheme, a bad port, {@code
   * redis://}), which is when it gets echoed most.
   *
   * @param url a URL as the user gave it; {@code null} is ignored
   * @return this
   */
  public Redactor secretsOf(String url) {
    if (url == null) {
      return this;
    }
    HttpUrl parsed = HttpUrl.parse(url.trim());
    if (parsed != null) {
      secret(parsed.username());
      secret(parsed.encodedUsername());
      secret(parsed.password());
      secret(parsed.encodedPassword());
      for (int i = 0; i < parsed.querySize(); i++) {
        secret(parsed.queryParameterValue(i));
      }
      secret(parsed.encodedQuery());
      return this;
    }
    // no http(s) URL: go by its shape, erring towards registering too much
    String rest = withoutScheme(url.trim());
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      secretAndDecoded(userInfo);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        secretAndDecoded(userInfo.substring(0, colon));
        secretAndDecoded(userInfo.substring(colon + 1));
      }
      rest = rest.substring(at + 1);
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      for (String pair : rest.substring(q + 1).split("[&#]")) {
        int eq = pair.indexOf('=');
        secretAndDecoded(eq >= 0 ? pair.substring(eq + 1) : pair);
      }
    }
    return this;
  }

  private void secretAndDecoded(String s) {
    secret(s);
    try {
      secret(URLDecoder.decode(s, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      // a stray '%': the text as typed is registered already
    }
  }

  /**
   * Text fit to print: every registered secret replaced by {@code ***}, control characters
   * escaped ({@code \n}, {@code \r}, {@code \t}, others as {@code \}{@code uXXXX}).
   *
   * @param text from any source; {@code null} gives {@code "null"}
   * @return the cleaned text, one line
   */
  public String clean(String text) {
    if (text == null) {
      return "null";
    }
    String result = text;
    for (String secret : longestFirst) {
      result = result.replace(secret, MASK);
    }
    return escapeControls(result);
  }

  /**
   * A URL as it may be shown: without {@code user:password@}, query values masked, no fragment.
   * Text that does not parse as an http(s) URL (no scheme, a bad port, another scheme such as
   * {@code redis://}) is masked by its shape: everything before the last {@code @} and every
   * query value.
   *
   * @param url a URL as the user gave it
   * @return the URL, safe to print
   */
  public static String showUrl(String url) {
    HttpUrl parsed = HttpUrl.parse(url.trim());
    return parsed != null ? show(parsed) : showText(url.trim());
  }

  /**
   * A parsed URL as it may be shown: without {@code user:password@}, query values masked.
   *
   * @param url the URL
   * @return the URL, safe to print
   */
  public static String show(HttpUrl url) {
    HttpUrl.Builder b = url.newBuilder().username("").password("").query(null).fragment(null);
    for (int i = 0; i < url.querySize(); i++) {
      b.addEncodedQueryParameter(url.queryParameterName(i), url.queryParameterValue(i) == null ? null : MASK);
    }
    return escapeControls(b.build().toString());
  }

  private static String showText(String url) {
    String scheme = "";
    Matcher m = SCHEME.matcher(url);
    if (m.find()) {
      scheme = m.group();
    }
    String rest = url.substring(scheme.length());
    int at = rest.lastIndexOf('@');
    String userInfo = "";
    if (at >= 0) {
      // the last '@', not the first: an unencoded '@', '/' or '?' in a password would cut it short
      userInfo = MASK + "@";
      rest = rest.substring(at + 1);
    }
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      StringBuilder query = new StringBuilder();
      for (String pair : rest.substring(q + 1).split("&", -1)) {
        int eq = pair.indexOf('=');
        query.append(query.length() == 0 ? "?" : "&").append(eq >= 0 ? pair.substring(0, eq + 1) + MASK : MASK);
      }
      rest = rest.substring(0, q) + query;
    }
    return escapeControls(scheme + userInfo + rest);
  }

  /** Escapes what could break a line or drive the terminal: control, format and separator characters. */
  static String escapeControls(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String escape = switch (c) {
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
            || Character.getType(c) == Character.LINE_SEPARATOR
            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
            ? String.format("\\u%04x", (int) c) : null;
      };
      if (escape != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (escape != null) {
          b.append(escape);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  private static String withoutScheme(String url) {
    Matcher m = SCHEME.matcher(url);
    return m.find() ? url.substring(m.end()) : url;
  }
}
