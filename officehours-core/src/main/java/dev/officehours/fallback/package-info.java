/**
 * Fallback chains of providers: {@link dev.officehours.fallback.FallbackLlm},
 * {@link dev.officehours.fallback.FallbackTts} and {@link dev.officehours.fallback.FallbackStt}
 * are providers made of providers tried in order. A call moves to the next provider when one fails
 * before its first token, byte or transcript (never after: two answers are never mixed); a
 * provider that fails too often in a row is skipped and probed in the background until it
 * answers again. Each call says which provider served it, and a
 * {@link dev.officehours.metrics.PipelineObserver} hears of every failover.
 */
package dev.officehours.fallback;
