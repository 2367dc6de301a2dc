/**
 * Conversation memory: the {@link dev.officehours.history.ConversationStore} SPI, the
 * {@link dev.officehours.history.HistoryMessage} it stores, and the in-memory default. Redis
 * history lives in {@code officehours-redis}.
 */
package dev.officehours.history;
