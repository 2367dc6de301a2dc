/**
 * Caches: the {@link dev.officehours.cache.CacheStore} SPI for binary values with its Caffeine and
 * tiered implementations, and the TTS and answer caches built on it. Conversation history lives
 * in {@link dev.officehours.history}.
 */
package dev.officehours.cache;
