package dev.officehours.fallback;

import dev.officehours.PipelineClock;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.OfficeHoursException.Stage;
import dev.officehours.metrics.PipelineObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** What the three chains share: their members in order, each with its health, and the settings. */
final class Chain<P> {
  /** One provider of the chain: what calls go to, and its health (shared with other views). */
  record Member<P>(int index, String id, P provider, Health<P> health) {}

  final Stage stage;
  final String id;
  final Duration attemptTimeout;
  final int unhealthyAfter;
  final Duration probeInterval;
  final Function<? super P, ? extends CompletableFuture<?>> probe;
  final Predicate<OfficeHoursException> failoverWhen;
  final PipelineClock clock;
  final PipelineObserver observer;
  final List<Member<P>> members;

  Chain(Settings<P> s) {
    this.stage = s.stage;
    this.id = s.id;
    this.attemptTimeout = s.attemptTimeout;
    this.unhealthyAfter = s.unhealthyAfter;
    this.probeInterval = s.probeInterval;
    this.probe = s.probe;
    this.failoverWhen = s.failoverWhen;
    this.clock = SharedTimer.resolve(s.clock);
    this.observer = new GuardedObserver(s.observer);
    List<Member<P>> list = new ArrayList<>();
    for (int i = 0; i < s.providers.size(); i++) {
      P p = s.providers.get(i);
      list.add(new Member<>(i, s.ids.get(i), p, new Health<>(this, s.ids.get(i), p)));
    }
    this.members = List.copyOf(list);
  }

  private Chain(Chain<P> base, UnaryOperator<P> wrap) {
    this.stage = base.stage;
    this.id = base.id;
    this.attemptTimeout = base.attemptTimeout;
    this.unhealthyAfter = base.unhealthyAfter;
    this.probeInterval = base.probeInterval;
    this.probe = base.probe;
    this.failoverWhen = base.failoverWhen;
    this.clock = base.clock;
    this.observer = base.observer;
    List<Member<P>> list = new ArrayList<>();
    for (Member<P> m : base.members) {
      list.add(new Member<>(m.index(), m.id(), wrap.apply(m.provider()), m.health()));
    }
    this.members = List.copyOf(list);
  }

  /** The same chain, sharing its health, with each provider decorated by {@code wrap}. */
  Chain<P> map(UnaryOperator<P> wrap) {
    return new Chain<>(this, wrap);
  }

  /** The healthy members in order; every member when none is healthy (better than no answer). */
  List<Member<P>> candidates() {
    List<Member<P>> healthy = new ArrayList<>(members.size());
    for (Member<P> m : members) {
      if (m.health().healthy()) {
        healthy.add(m);
      }
    }
    return healthy.isEmpty() ? members : healthy;
  }

  /** Whether {@code error} moves a call on (and counts against the provider's health). */
  boolean failsOver(OfficeHoursException error) {
    try {
      return failoverWhen.test(error);
    } catch (RuntimeException e) {
      return Failover.byDefault(error);
    }
  }

  Member<P> member(String providerId) {
    for (Member<P> m : members) {
      if (m.id().equals(providerId)) {
        return m;
      }
    }
    throw new IllegalArgumentException("no provider with id '" + providerId + "' in " + id);
  }

  void close() {
    for (Member<P> m : members) {
      m.health().close();
    }
  }
}
