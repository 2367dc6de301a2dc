package dev.officehours.openai;

import dev.officehours.errors.RetryPolicy;
import dev.officehours.internal.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Where and how to reach one OpenAI-compatible server: the base URL, the optional API key, extra
 * headers (Azure's {@code api-key}) and query parameters (Azure's {@code api-version}). Holds the
 * key, so it never prints it: {@link #toString()} shows the base URL only.
 */
final class Endpoint {
  static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

  private final HttpUrl baseUrl;
  private final String apiKey;
  private final Headers headers;
  private final Map<String, String> queryParameters;
  /** {@link #headers} with the {@code Authorization} header: what every request carries. */
  private final Headers requestHeaders;
  /**
   * Each path's URL, built once: a request's start runs no URL parsing. Shared with the copies
   * {@link #withHeaders} makes; its keys are the providers' few fixed paths.
   */
  private final ConcurrentHashMap<String, HttpUrl> urls;

  Endpoint(HttpUrl baseUrl, String apiKey, Headers headers, Map<String, String> queryParameters) {
    this(baseUrl, apiKey, headers, queryParameters, new ConcurrentHashMap<>());
  }

  private Endpoint(HttpUrl baseUrl, String apiKey, Headers headers,
      Map<String, String> queryParameters, ConcurrentHashMap<String, HttpUrl> urls) {
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.headers = headers;
    this.queryParameters = Map.copyOf(queryParameters);
    this.requestHeaders = this.apiKey == null ? headers
        : headers.newBuilder().set("Authorization", "Bearer " + this.apiKey).build();
    this.urls = urls;
  }

  /**
   * This endpoint with a request's own headers added (they replace ones of the same name), whose
   * values are then masked like the configured ones.
   */
  Endpoint withHeaders(Map<String, String> extra) {
    if (extra.isEmpty()) {
      return this;
    }
    Headers.Builder merged = headers.newBuilder();
    extra.forEach(merged::set);
    Endpoint e = new Endpoint(baseUrl, apiKey, merged.build(), queryParameters, urls);
    return e;
  }

  /** The base URL, e.g. {@code https://api.openai.com/v1}. */
  HttpUrl baseUrl() {
    return baseUrl;
  }

  /** Whether an {@code Authorization: Bearer} header is sent. */
  boolean hasApiKey() {
    return apiKey != null;
  }

  /** {@code host} or {@code host:port} when the port is not the scheme's default. */
  String hostId() {
    return baseUrl.port() == HttpUrl.defaultPort(baseUrl.scheme())
        ? baseUrl.host()
        : baseUrl.host() + ":" + baseUrl.port();
  }

  /** A request builder for {@code base + "/" + path} with the credentials and extra headers. */
  Request.Builder request(String path) {
    HttpUrl url = urls.get(path);
    if (url == null) {
      url = urls.computeIfAbsent(path, this::url);
    }
    return new Request.Builder().url(url).headers(requestHeaders);
  }

  private HttpUrl url(String path) {
    HttpUrl.Builder url = baseUrl.newBuilder();
    for (String segment : path.split("/")) {
      if (!segment.isEmpty()) {
        url.addPathSegment(segment);
      }
    }
    queryParameters.forEach(url::addQueryParameter);
    return url.build();
  }

  /**
   * Removes every credential from text a server sent, in case it echoes one back: the API key,
   * header values (of 8 characters or more: shorter ones are not credentials, and replacing them
   * would garble the text), the values of query parameters whose name says they are one ({@code
   * key}, {@code token}, {@code sig}, ...) and a password in the base URL.
   */
  String redact(String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    List<String> secrets = new ArrayList<>();
    if (apiKey != null) {
      secrets.add(apiKey);
    }
    for (int i = 0; i < headers.size(); i++) {
      if (headers.value(i).length() >= 8) {
        secrets.add(headers.value(i));
      }
    }
    queryParameters.forEach((name, value) -> {
      if (value.length() >= 4 && CREDENTIAL_NAME.matcher(name).find()) {
        secrets.add(value);
      }
    });
    if (baseUrl.password().length() >= 4) {
      secrets.add(baseUrl.password());
    }
    for (String secret : secrets) {
      result = result.replace(secret, "[redacted]");
    }
    return result;
  }

  /** Query parameter names whose values are credentials (Azure SAS's sig, many gateways' key). */
  private static final Pattern CREDENTIAL_NAME = Pattern.compile(
      "key|token|secret|sig|pass|pwd|auth|cred|session|code", Pattern.CASE_INSENSITIVE);

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
  private static final int MAX_DISPLAY_CHARS = 200;

  @Override
  public String toString() {
    return display(baseUrl);
  }

  /** A URL as it may be shown: no {@code user:password@}, query values or fragment. */
  static String display(HttpUrl url) {
    return display(url.newBuilder().username("").password("").build().toString());
  }

  /**
   * Text of a URL that may not parse, as it may be shown in a message: whatever stands before an
   * {@code @} (a user and password, whether or not there is a scheme) is masked, as are the values
   * of a query and a fragment; control characters become {@code ?} so the text cannot forge log
   * lines, and it is cut at 200 characters. Masks too much rather than too little: the text is
   * there to show the shape of a mistake, not to be used.
   */
  static String display(String url) {
    String s = url;
    // The last '@' anywhere: a password may itself hold '/', '?' or '#', which would end the
    // authority for a URL parser and leave the rest of it in view.
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      Matcher scheme = SCHEME.matcher(s);
      int start = scheme.lookingAt() && scheme.end() <= at ? scheme.end() : 0;
      s = s.substring(0, start) + "***" + s.substring(at);
    }
    int fragment = s.indexOf('#');
    String tail = "";
    if (fragment >= 0) {
      tail = "#***";
      s = s.substring(0, fragment);
    }
    int query = s.indexOf('?');
    if (query >= 0) {
      StringBuilder masked = new StringBuilder("?");
      String[] params = s.substring(query + 1).split("&", -1);
      for (int i = 0; i < params.length; i++) {
        if (i > 0) {
          masked.append('&');
        }
        int eq = params[i].indexOf('=');
        // A parameter without '=' may be a bare token: mask it whole.
        masked.append(eq < 0 ? (params[i].isEmpty() ? "" : "***")
            : params[i].substring(0, eq) + "=***");
      }
      tail = masked + tail;
      s = s.substring(0, query);
    }
    StringBuilder shown = new StringBuilder();
    String all = s + tail;
    for (int i = 0; i < all.length() && i < MAX_DISPLAY_CHARS; i++) {
      char c = all.charAt(i);
      shown.append(Character.isISOControl(c) ? '?' : c);
    }
    return all.length() <= MAX_DISPLAY_CHARS ? shown.toString() : shown + "...";
  }

  /**
   * Collects and validates the connection settings shared by the three builders: where to reach
   * the server, with which credentials, over which client, how often to retry and for how long.
   */
  static final class Settings {
    HttpUrl baseUrl = HttpUrl.get(DEFAULT_BASE_URL);
    String apiKey;
    final Headers.Builder headers = new Headers.Builder();
    final Map<String, String> queryParameters = new LinkedHashMap<>();
    RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    OkHttpClient client = Http.sharedClient();
    Duration timeout;

    /** @param defaultTimeout the provider's own default for {@link #timeout(Duration)} */
    Settings(Duration defaultTimeout) {
      this.timeout = defaultTimeout;
    }

    void retryPolicy(RetryPolicy policy) {
      this.retryPolicy = Objects.requireNonNull(policy, "retryPolicy");
    }

    void httpClient(OkHttpClient httpClient) {
      this.client = Objects.requireNonNull(httpClient, "httpClient");
    }

    void timeout(Duration value) {
      Objects.requireNonNull(value, "timeout");
      if (value.isZero() || value.isNegative() || value.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("timeout must be in (0, 1 day] but was " + value);
      }
      this.timeout = value;
    }

    void baseUrl(String url) {
      Objects.requireNonNull(url, "baseUrl");
      HttpUrl parsed = HttpUrl.parse(url.trim());
      if (parsed == null) {
        throw new IllegalArgumentException(
            "baseUrl must be an http or https URL but was '" + display(url) + "'");
      }
      if (parsed.query() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query (use queryParameter) but"
            + " was '" + display(url.trim()) + "'");
      }
      if (parsed.fragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a fragment but was '"
            + display(url.trim()) + "'");
      }
      // Drop a trailing slash so "{base}/chat/completions" has no empty segment.
      List<String> segments = new ArrayList<>(parsed.pathSegments());
      while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
        segments.remove(segments.size() - 1);
      }
      HttpUrl.Builder b = parsed.newBuilder().encodedPath("/");
      segments.forEach(b::addPathSegment);
      this.baseUrl = b.build();
    }

    void apiKey(String key) {
      // the usual cause: System.getenv("…_API_KEY") of a variable that is not set
      Objects.requireNonNull(key, "apiKey is null: is its environment variable set? (leave apiKey "
          + "unset for servers that need no key)");
      if (key.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank (leave it unset for servers "
            + "that need none)");
      }
      for (int i = 0; i < key.length(); i++) {
        char c = key.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          // Never echo the key itself: name the position only.
          throw new IllegalArgumentException(
              "apiKey contains an invalid character at index " + i);
        }
      }
      this.apiKey = key;
    }

    void header(String name, String value) {
      Objects.requireNonNull(name, "header name");
      if (value == null) {
        throw new NullPointerException("value of header '" + name.replaceAll("[^\\x21-\\x7e]", "?")
            + "' is null");
      }
      try {
        headers.set(name, value);
      } catch (IllegalArgumentException e) {
        // OkHttp's message may quote the value, which is often a credential.
        throw new IllegalArgumentException("header '" + name.replaceAll("[^\\x21-\\x7e]", "?")
            + "' has an invalid name or value");
      }
    }

    void queryParameter(String name, String value) {
      Objects.requireNonNull(name, "query parameter name");
      Objects.requireNonNull(value, "query parameter value");
      if (name.isBlank()) {
        throw new IllegalArgumentException("query parameter name must not be blank");
      }
      queryParameters.put(name, value);
    }

    /** Reads OPENAI_BASE_URL and OPENAI_API_KEY (optional: local servers need none). */
    void fromEnvironment(Map<String, String> env) {
      String url = env.get("OPENAI_BASE_URL");
      if (url != null && !url.isBlank()) {
        baseUrl(url);
      }
      String key = env.get("OPENAI_API_KEY");
      if (key != null && !key.isBlank()) {
        apiKey(key.trim());
      }
    }

    Endpoint build() {
      return new Endpoint(baseUrl, apiKey, headers.build(), queryParameters);
    }
  }

  static String env(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }
}
