package dev.officehours.examples.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;

/**
 * Turn starts and transcriptions per client address: a token bucket each (Bucket4j), refilled
 * evenly over a minute, so a burst of {@code perMinute} is allowed and then one every
 * {@code 60 / perMinute} seconds. Buckets of clients gone quiet are dropped (Caffeine), so a
 * flood of addresses cannot grow memory without bound.
 */
final class RateLimiter {
  private static final int MAX_CLIENTS = 100_000;

  private final int perMinute;
  private final Cache<String, Bucket> buckets;

  /** @param perMinute allowed per client per minute; 0 turns limiting off */
  RateLimiter(int perMinute) {
    this.perMinute = perMinute;
    this.buckets = Caffeine.newBuilder().maximumSize(MAX_CLIENTS).expireAfterAccess(Duration.ofMinutes(10)).build();
  }

  /**
   * The key a client is counted by: its IPv4 address, or the /64 network of an IPv6 address (one
   * subscriber usually holds a whole /64 and could otherwise rotate through it).
   */
  static String clientKey(String address) {
    if (address == null) {
      return null;
    }
    String a = address.strip();
    if (a.startsWith("[") && a.indexOf(']') > 0) {
      a = a.substring(1, a.indexOf(']')); // [v6]:port
    } else if (a.indexOf(':') >= 0 && a.indexOf(':') == a.lastIndexOf(':')) {
      a = a.substring(0, a.indexOf(':')); // v4:port
    }
    int zone = a.indexOf('%');
    if (zone >= 0) {
      a = a.substring(0, zone);
    }
    if (a.indexOf(':') < 0 || !a.matches("[0-9A-Fa-f:.]{2,45}")) {
      return a; // IPv4, or not an address at all: counted as given (never looked up in DNS)
    }
    try {
      byte[] b = java.net.InetAddress.getByName(a).getAddress(); // hex, colons and dots only: a literal
      if (b.length != 16) {
        return a;
      }
      StringBuilder key = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        key.append(String.format("%02x%02x:", b[i], b[i + 1]));
      }
      return key.append(":/64").toString();
    } catch (java.net.UnknownHostException e) {
      return a;
    }
  }

  /** Takes one token for {@code client} or throws {@code rate_limited} saying when to retry. */
  void check(String client) {
    if (perMinute <= 0) {
      return;
    }
    Bucket bucket = buckets.get(client, c -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (!probe.isConsumed()) {
      long retryMillis = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999) / 1_000_000);
      throw new ApiException(429, "rate_limited", "too many requests from this client: at most " + perMinute
          + " turns and transcriptions a minute; retry in " + ((retryMillis + 999) / 1000) + " s", null, retryMillis);
    }
  }
}
