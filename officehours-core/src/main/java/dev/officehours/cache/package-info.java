/**
 * Caches and conversation memory: the {@link dev.officehours.cache.ConversationStore} SPI with its
 * in-memory default, the {@link dev.officehours.cache.CacheStore} SPI for binary values, and the
 * TTS and answer caches built on it.
 */
package dev.officehours.cache;
