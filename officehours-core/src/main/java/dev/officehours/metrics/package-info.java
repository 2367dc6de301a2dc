/**
 * Observing the pipeline: the {@link dev.officehours.metrics.PipelineObserver} SPI and its
 * Micrometer implementation {@link dev.officehours.metrics.MicrometerObserver}.
 */
package dev.officehours.metrics;
