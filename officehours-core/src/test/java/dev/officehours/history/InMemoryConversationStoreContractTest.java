package dev.officehours.history;

import dev.officehours.testkit.ConversationStoreContract;
import dev.officehours.testkit.ManualTime;
import java.time.Duration;

/** {@link InMemoryConversationStore} keeps the conversation store contract. */
class InMemoryConversationStoreContractTest extends ConversationStoreContract {
  @Override
  protected ConversationStore createStore(ManualTime time, int maxMessages, Duration idleTimeout) {
    return InMemoryConversationStore.builder().ticker(time::nanos).maxMessages(maxMessages)
        .idleTimeout(idleTimeout).build();
  }
}
