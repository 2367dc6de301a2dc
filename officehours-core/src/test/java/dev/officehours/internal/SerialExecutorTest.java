package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  @Test
  void executeHereRunsOnTheCallingThreadWhenTheMailboxIsIdle() {
    AtomicInteger submitted = new AtomicInteger();
    SerialExecutor mailbox = new SerialExecutor(r -> {
      submitted.incrementAndGet();
      r.run();
    }, (t, e) -> { });
    AtomicReference<Thread> ran = new AtomicReference<>();
    mailbox.executeHere(() -> ran.set(Thread.currentThread()));
    assertSame(Thread.currentThread(), ran.get());
    assertEquals(0, submitted.get(), "no pool thread woken");
  }

  @Test
  void executeHereQueuesBehindABusyMailboxAndKeepsTheOrder() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      SerialExecutor mailbox = new SerialExecutor(pool, (t, e) -> { });
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<String> order = Collections.synchronizedList(new ArrayList<>());
      mailbox.execute(() -> {
        running.countDown();
        await(release);
        order.add("first");
      });
      assertTrue(running.await(5, TimeUnit.SECONDS));
      AtomicReference<Thread> ran = new AtomicReference<>();
      mailbox.executeHere(() -> {
        ran.set(Thread.currentThread());
        order.add("second");
      });
      assertTrue(order.isEmpty(), "did not run beside the busy task");
      CountDownLatch done = new CountDownLatch(1);
      mailbox.execute(done::countDown);
      release.countDown();
      assertTrue(done.await(5, TimeUnit.SECONDS));
      assertEquals(List.of("first", "second"), order);
      assertTrue(ran.get() != Thread.currentThread(), "queued, so run by the pool");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTaskThatThrowsIsReportedAndTheNextOneRuns() {
    List<Throwable> reported = new ArrayList<>();
    SerialExecutor mailbox = new SerialExecutor(Runnable::run, (t, e) -> reported.add(e));
    mailbox.executeHere(() -> {
      throw new IllegalStateException("boom");
    });
    AtomicInteger ran = new AtomicInteger();
    mailbox.executeHere(ran::incrementAndGet);
    assertEquals(1, reported.size());
    assertEquals("boom", reported.get(0).getMessage());
    assertEquals(1, ran.get());
  }

  @Test
  void aTaskSubmittedFromInsideATaskRunsAfterIt() {
    List<Runnable> pool = new ArrayList<>();
    SerialExecutor mailbox = new SerialExecutor(pool::add, (t, e) -> { });
    List<String> order = new ArrayList<>();
    mailbox.executeHere(() -> {
      mailbox.executeHere(() -> order.add("inner"));
      order.add("outer");
    });
    assertEquals(List.of("outer"), order, "the nested task waits for its turn");
    assertEquals(1, pool.size(), "and is handed to the pool");
    pool.get(0).run();
    assertEquals(List.of("outer", "inner"), order);
  }

  @Test
  void executeLaterLeavesTheIdleMailboxToTheCallerWhichRunsItOnItsOwnThread() {
    List<Runnable> pool = new ArrayList<>();
    SerialExecutor mailbox = new SerialExecutor(pool::add, (t, e) -> { });
    List<String> ran = new ArrayList<>();
    Thread me = Thread.currentThread();
    mailbox.executeLater(() -> ran.add("first on " + (Thread.currentThread() == me)));
    mailbox.executeLater(() -> ran.add("second on " + (Thread.currentThread() == me)));
    assertEquals(List.of(), ran, "nothing runs before the drain");
    assertEquals(0, pool.size(), "and no pool thread was woken");
    mailbox.drainOwedHere(2);
    assertEquals(List.of("first on true", "second on true"), ran);
    mailbox.drainOwedHere(2); // owes nothing now
    assertEquals(2, ran.size());
    assertEquals(0, pool.size());
  }

  @Test
  void theOwingThreadRunsOnlyItsShareAndHandsTheRestToThePool() {
    List<Runnable> pool = new ArrayList<>();
    SerialExecutor mailbox = new SerialExecutor(pool::add, (t, e) -> { });
    List<String> ran = new ArrayList<>();
    mailbox.executeLater(() -> ran.add("mine"));
    mailbox.execute(() -> ran.add("another thread's")); // queued behind: the owner will drain
    mailbox.execute(() -> ran.add("and one more"));
    assertEquals(0, pool.size());
    mailbox.drainOwedHere(1);
    assertEquals(List.of("mine"), ran, "its one task, not the others'");
    assertEquals(1, pool.size(), "the rest went to the pool");
    pool.get(0).run();
    assertEquals(List.of("mine", "another thread's", "and one more"), ran);
  }

  @Test
  void executeLaterBehindABusyMailboxOwesNothingAndTheRunnerKeepsTheOrder() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      SerialExecutor mailbox = new SerialExecutor(pool, (t, e) -> { });
      CountDownLatch busy = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      List<String> order = Collections.synchronizedList(new ArrayList<>());
      mailbox.execute(() -> {
        busy.countDown();
        await(release);
        order.add("running");
      });
      await(busy);
      AtomicReference<String> ranOn = new AtomicReference<>();
      mailbox.executeLater(() -> {
        ranOn.set(Thread.currentThread().getName());
        order.add("later");
      });
      mailbox.drainOwedHere(1); // the pool's runner has the mailbox: this thread runs nothing
      assertEquals(List.of(), order);
      release.countDown();
      CountDownLatch done = new CountDownLatch(1);
      mailbox.execute(done::countDown);
      assertTrue(done.await(5, TimeUnit.SECONDS));
      assertEquals(List.of("running", "later"), order);
      assertTrue(!ranOn.get().equals(Thread.currentThread().getName()), "run by the pool's runner");
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
