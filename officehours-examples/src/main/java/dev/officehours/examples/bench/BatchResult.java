package dev.officehours.examples.bench;

import java.util.List;

/**
 * One system at one concurrency, all its measured batches together.
 *
 * @param system the system's id
 * @param concurrency turns started at once
 * @param caches whether caches were on
 * @param ttfaMillis each successful turn's time to first audio
 * @param totalMillis each successful turn's time to its last audio byte
 * @param errors failed turns
 * @param errorSamples a few error messages
 * @param cpuNanosPerTurn the client process's CPU time over the batches, per turn
 * @param simCpuNanosPerTurn the simulator's CPU time over the batches, per turn
 * @param peakPlatformThreads the most live platform threads seen during a batch
 * @param heapPerTurnBytes heap growth at the batch's peak over its start, per turn in flight
 * @param newConnections connections the server accepted, per 10 turns
 * @param audioBytesPerTurn audio delivered per turn, mean
 */
record BatchResult(String system, int concurrency, boolean caches, List<Double> ttfaMillis, List<Double> totalMillis,
    int errors, List<String> errorSamples, double cpuNanosPerTurn, double simCpuNanosPerTurn, int peakPlatformThreads,
    double heapPerTurnBytes, double newConnections, double audioBytesPerTurn) {}
