/**
 * Redis (lettuce) implementations of the OfficeHours SPIs: {@link dev.officehours.redis.RedisCacheStore}
 * for the TTS and answer caches and {@link dev.officehours.redis.RedisConversationStore} for
 * conversation history, both from one {@link dev.officehours.redis.OfficeHoursRedis} connection.
 */
package dev.officehours.redis;
