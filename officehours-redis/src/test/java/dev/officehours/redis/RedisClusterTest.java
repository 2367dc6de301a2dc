package dev.officehours.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.history.HistoryMessage;
import dev.officehours.llm.ChatMessage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A one-node Redis Cluster (all 16,384 slots on one master): enough to show that a
 * {@code redis-cluster://} URI connects through {@code RedisClusterClient} and that keys, TTLs
 * and the history script work with cluster routing.
 */
class RedisClusterTest {
  private static RedisServerProcess node;

  @BeforeAll
  static void startCluster() throws Exception {
    node = RedisServerProcess.startOnFreePort("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");
    RedisClient admin = RedisClient.create("redis://127.0.0.1:" + node.port());
    try (StatefulRedisConnection<String, String> c = admin.connect()) {
      c.sync().clusterAddSlots(IntStream.range(0, 16384).toArray());
      Await.until(Duration.ofSeconds(10), "the cluster state is ok",
          () -> c.sync().clusterInfo().contains("cluster_state:ok"));
    } finally {
      admin.shutdown();
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    node.close();
  }

  @Test
  void cacheAndHistoryWorkThroughAClusterUri() throws Exception {
    try (OfficeHoursRedis redis = OfficeHoursRedis.connect("redis-cluster://127.0.0.1:" + node.port())) {
      assertTrue(redis.toString().startsWith("OfficeHoursRedis[cluster"), redis.toString());
      RedisCacheStore store = redis.cacheStore();
      for (int i = 0; i < 20; i++) { // keys spread over many slots
        store.put("k" + i, new byte[] {(byte) i}, Duration.ofMinutes(1)).get(5, TimeUnit.SECONDS);
      }
      for (int i = 0; i < 20; i++) {
        assertArrayEquals(new byte[] {(byte) i}, store.get("k" + i).get(5, TimeUnit.SECONDS).orElseThrow());
      }
      RedisConversationStore history = redis.conversationStore();
      Instant now = Instant.now();
      List<HistoryMessage> pair = List.of(new HistoryMessage(ChatMessage.Role.USER, "q", false, now),
          new HistoryMessage(ChatMessage.Role.ASSISTANT, "a", false, now));
      history.append("s", pair).get(5, TimeUnit.SECONDS);
      assertEquals(pair, history.load("s").get(5, TimeUnit.SECONDS));
    }
  }
}
