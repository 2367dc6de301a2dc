package dev.officehours.redis;

import dev.officehours.history.ConversationStore;
import dev.officehours.testkit.ConversationStoreContract;
import dev.officehours.testkit.ManualTime;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisConversationStore} keeps the conversation store contract against a real Redis.
 * Redis expires idle sessions by its own clock, so the contract waits.
 */
@ExtendWith(RedisExtension.class)
class RedisConversationStoreContractTest extends ConversationStoreContract {
  private OfficeHoursRedis redis;
  private RedisServerProcess server;

  @BeforeEach
  void connect(RedisServerProcess server) {
    this.server = server;
    redis = OfficeHoursRedis.connect(server.uri());
  }

  @AfterEach
  void close() {
    redis.close();
  }

  @Override
  protected ConversationStore createStore(ManualTime time, int maxMessages, Duration idleTimeout) {
    return RedisConversationStore.builder(redis).maxMessages(maxMessages).idleTimeout(idleTimeout).build();
  }

  @Override
  protected boolean followsManualTime() {
    return false;
  }

  @Override
  protected void letIdleTimeoutPass(ConversationStore store, String sessionId, Duration idleTimeout) {
    // watched from beside the store: a load would refresh the idle timer it waits for
    Await.until(Duration.ofSeconds(10), "the idle session to be forgotten",
        () -> ":0".equals(server.command("EXISTS officehours:history:" + sessionId)));
  }
}
