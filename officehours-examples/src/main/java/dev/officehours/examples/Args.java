package dev.officehours.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command-line flags of the example programs: {@code --name value}, {@code --name=value} and
 * bare {@code --switch}. Unknown flags and malformed values fail with a {@link UsageException}
 * naming the flag and the value, which the programs turn into exit code 2.
 *
 * <p>Public only because the programs live in several packages; not an API of its own.
 */
public final class Args {
  private static final Pattern NUMBER = Pattern.compile("-\\d+(\\.\\d+)?");
  private static final Pattern FLAG_NAME = Pattern.compile("-?[A-Za-z0-9][A-Za-z0-9_.-]{0,39}");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h)?");

  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> positional = new ArrayList<>();

  private Args() {}

  /**
   * Parses {@code argv}. {@code -h} means {@code --help} when {@code help} is one of the switches;
   * {@code --} ends the flags: every argument after it is positional;
   * {@code --help} wins over any mistake in the other flags, so it always shows the usage.
   *
   * @param argv the arguments
   * @param valued flags that take a value (without the {@code --})
   * @param switches flags that take none
   * @return the parsed flags
   * @throws UsageException naming the flag, when a flag is unknown or lacks its value
   */
  public static Args parse(String[] argv, Set<String> valued, Set<String> switches) {
    Args a = new Args();
    UsageException mistake = null;
    for (int i = 0; i < argv.length; i++) {
      String arg = argv[i];
      if (arg.equals("--")) {
        // the end of the flags, as in most programs: what follows is an argument even when it begins with -
        a.positional.addAll(List.of(argv).subList(i + 1, argv.length));
        break;
      }
      if (arg.equals("-h") && switches.contains("help")) {
        arg = "--help";
      }
      if (!arg.startsWith("--")) {
        if (arg.length() > 1 && arg.startsWith("-") && !NUMBER.matcher(arg).matches()) {
          // a single-dash flag is a typo of a flag, not an argument
          mistake = mistake != null ? mistake : new UsageException("unknown flag " + flagName(arg));
        } else {
          a.positional.add(arg);
        }
        continue;
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (switches.contains(name)) {
        if (value != null) {
          // the value is not echoed: whatever was pasted there (a URL with a password?) stays private
          mistake = mistake != null ? mistake : new UsageException("--" + name + " takes no value but got one");
        }
        a.values.put(name, "true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= argv.length) {
            mistake = mistake != null ? mistake : new UsageException("--" + name + " needs a value");
            continue;
          }
          value = argv[++i];
        }
        a.values.put(name, value);
      } else {
        mistake = mistake != null ? mistake : new UsageException("unknown flag --" + flagName(name));
      }
    }
    if (mistake != null && !a.has("help")) {
      throw mistake;
    }
    return a;
  }

  /** A flag's name as it may be echoed: a plain word, else cut short (a pasted secret stays private). */
  private static String flagName(String name) {
    return FLAG_NAME.matcher(name).matches() ? name : name.substring(0, Math.min(name.length(), 2)) + "...";
  }

  /**
   * The arguments that are not flags nor flag values.
   *
   * @return them in the order given, maybe none
   */
  public List<String> positional() {
    return List.copyOf(positional);
  }

  /**
   * Whether a switch or valued flag was given.
   *
   * @param name the flag without its {@code --}
   * @return true when it was given
   */
  public boolean has(String name) {
    return values.containsKey(name);
  }

  /**
   * A flag's value.
   *
   * @param name the flag without its {@code --}
   * @return its value as given, empty when the flag was not given
   */
  public Optional<String> get(String name) {
    return Optional.ofNullable(values.get(name));
  }

  /**
   * A flag's value, or a default.
   *
   * @param name the flag without its {@code --}
   * @param fallback the value when the flag was not given
   * @return its value as given, or {@code fallback}
   */
  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  /**
   * A whole-number flag.
   *
   * @param name the flag without its {@code --}
   * @param fallback the value when the flag was not given (not checked against the range)
   * @param min the smallest value accepted
   * @param max the largest value accepted
   * @return the value, in {@code min..max}, or {@code fallback}
   * @throws UsageException naming the flag and the value, when it is not a whole number in range
   */
  public int getInt(String name, int fallback, int min, int max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new UsageException("--" + name + " must be in " + min + ".." + max + " but was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number but was '" + v + "'");
    }
  }

  /**
   * A decimal flag.
   *
   * @param name the flag without its {@code --}
   * @param fallback the value when the flag was not given (not checked against the range)
   * @param min the smallest value accepted
   * @param max the largest value accepted
   * @return the value, in {@code min..max}, or {@code fallback}
   * @throws UsageException naming the flag and the value, when it is not a number in range
   */
  public double getDouble(String name, double fallback, double min, double max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (!(d >= min && d <= max)) {
        throw new UsageException("--" + name + " must be in " + min + ".." + max + " but was " + v);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a number but was '" + v + "'");
    }
  }

  /**
   * A fraction flag, given as {@code 10%} or {@code 0.1}.
   *
   * @param name the flag without its {@code --}
   * @param fallback the value when the flag was not given
   * @return the fraction, in 0..1 ({@code 10%} is 0.1), or {@code fallback}
   * @throws UsageException naming the flag and the value, when malformed or outside 0..1
   */
  public double getFraction(String name, double fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    return parseFraction("--" + name, v);
  }

  /**
   * A duration flag, given as {@code 1500ms}, {@code 2s}, {@code 1.5s}, {@code 2m} (or
   * {@code 2min}) or {@code 1h}; a bare number is milliseconds.
   *
   * @param name the flag without its {@code --}
   * @param fallback the value when the flag was not given
   * @return the duration, zero or positive, or {@code fallback}
   * @throws UsageException naming the flag and the value, when malformed
   */
  public Duration getDuration(String name, Duration fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    return parseDuration("--" + name, v);
  }

  /** Parses {@code 10%} or {@code 0.1}; a malformed value or one outside 0..1 is a usage error naming {@code what}. */
  private static double parseFraction(String what, String v) {
    String s = v.trim();
    try {
      double d = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1).trim()) / 100 : Double.parseDouble(s);
      if (!(d >= 0 && d <= 1)) {
        throw new UsageException(what + " must be in 0..1 (or 0%..100%) but was '" + v + "'");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException(what + " must be a fraction like 0.1 or 10% but was '" + v + "'");
    }
  }

  /** Parses {@code 1500ms}, {@code 2s}, {@code 2m}, {@code 1h} or milliseconds; a malformed value is a usage error naming {@code what}. */
  private static Duration parseDuration(String what, String v) {
    Matcher m = DURATION.matcher(v.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new UsageException(what + " must be a duration like 1500ms, 2s or 1m but was '" + v + "'");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    double millis = switch (unit) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m", "min" -> n * 60_000;
      default -> n * 3_600_000;
    };
    return Duration.ofNanos((long) (millis * 1_000_000));
  }

  /** A command-line mistake; its message is printed as is, after the program's name. */
  public static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A mistake.
     *
     * @param message names the flag and the bad value, e.g. {@code --rate must look like 50/s but was 'fast'}
     */
    public UsageException(String message) {
      super(message);
    }
  }
}
