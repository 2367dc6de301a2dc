package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.metrics.PipelineObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/** The settings every chain has, validated as they are set; each public builder holds one. */
final class Settings<P> {
  static final int MAX_PROVIDERS = 16;
  static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
  static final Duration MIN_PROBE_INTERVAL = Duration.ofMillis(100);
  static final Duration MAX_PROBE_INTERVAL = Duration.ofDays(1);

  final Stage stage;
  final List<P> providers;
  final List<String> ids;
  String id;
  Duration attemptTimeout;
  int unhealthyAfter = 3;
  Duration probeInterval = Duration.ofSeconds(10);
  Function<? super P, ? extends CompletableFuture<?>> probe;
  Predicate<OfficeHoursException> failoverWhen = Failover::byDefault;
  PipelineClock clock = PipelineClock.system();
  PipelineObserver observer = PipelineObserver.NONE;

  Settings(Stage stage, List<? extends P> providers, Function<P, String> idOf,
      Duration attemptTimeout, Function<? super P, ? extends CompletableFuture<?>> probe) {
    this.stage = stage;
    Objects.requireNonNull(providers, "providers");
    if (providers.size() < 2 || providers.size() > MAX_PROVIDERS) {
      throw new IllegalArgumentException("a fallback chain takes 2.." + MAX_PROVIDERS
          + " providers but got " + providers.size()
          + (providers.size() == 1 ? ": use the provider itself" : ""));
    }
    List<P> copy = new ArrayList<>(providers.size());
    List<String> names = new ArrayList<>(providers.size());
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < providers.size(); i++) {
      P p = Objects.requireNonNull(providers.get(i), "providers[" + i + "]");
      String pid = Objects.requireNonNull(idOf.apply(p), "id() of providers[" + i + "]");
      if (pid.isBlank()) {
        throw new IllegalArgumentException("providers[" + i + "] has a blank id()");
      }
      if (!seen.add(pid)) {
        // the chain reports and meters providers by id: two with one id could not be told apart
        throw new IllegalArgumentException("two providers of the chain have the id '" + pid
            + "': give each its own id (e.g. OpenAiChat.Builder.id)");
      }
      copy.add(p);
      names.add(pid);
    }
    this.providers = List.copyOf(copy);
    this.ids = List.copyOf(names);
    this.id = "fallback(" + String.join(",", names) + ")";
    this.attemptTimeout = attemptTimeout;
    this.probe = probe;
  }

  void id(String value) {
    Objects.requireNonNull(value, "id");
    if (value.isBlank()) {
      throw new IllegalArgumentException("id must not be blank");
    }
    this.id = value;
  }

  void attemptTimeout(Duration value) {
    Objects.requireNonNull(value, "attemptTimeout");
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("attemptTimeout must be in (0, 10 min] but was " + value);
    }
    this.attemptTimeout = value;
  }

  void unhealthyAfter(int failures) {
    if (failures < 1 || failures > 100) {
      throw new IllegalArgumentException("unhealthyAfter must be in 1..100 but was " + failures);
    }
    this.unhealthyAfter = failures;
  }

  void probeInterval(Duration value) {
    Objects.requireNonNull(value, "probeInterval");
    if (value.compareTo(MIN_PROBE_INTERVAL) < 0 || value.compareTo(MAX_PROBE_INTERVAL) > 0) {
      throw new IllegalArgumentException("probeInterval must be in [100 ms, 1 day] but was " + value);
    }
    this.probeInterval = value;
  }

  void probe(Function<? super P, ? extends CompletableFuture<?>> value) {
    this.probe = Objects.requireNonNull(value, "probe");
  }

  void failoverWhen(Predicate<OfficeHoursException> value) {
    this.failoverWhen = Objects.requireNonNull(value, "failoverWhen");
  }

  void clock(PipelineClock value) {
    this.clock = Objects.requireNonNull(value, "clock");
  }

  void observer(PipelineObserver value) {
    this.observer = Objects.requireNonNull(value, "observer");
  }
}
