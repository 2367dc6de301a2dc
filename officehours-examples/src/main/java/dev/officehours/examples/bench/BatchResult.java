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
 * @param peakPlatformThreads the most platform threads a batch used: those it started (the
 *     process's peak over its start) plus those alive before that ran during it; idle threads of
 *     the other systems' pools are not counted
 * @param heapPerTurnBytes heap growth at the batch's peak over its start, per turn in flight
 * @param newConnections connections the server accepted, per 10 turns
 * @param audioBytesPerTurn audio delivered per turn, mean
 * @param processPeakThreads the most live platform threads of the whole process during a batch,
 *     idle pools of the level's other systems included
 * @param startToWireMillis from starting a turn to its chat request reaching the simulator: the
 *     batch's start times and the simulator's arrival times, each sorted, matched in order (one
 *     clock: CLOCK_MONOTONIC); empty when a batch made fewer chat requests than turns (cache hits)
 * @param jitNanosPerTurn of {@code cpuNanosPerTurn}, about how much the JVM spent compiling (its
 *     JIT threads) during the batches, per turn: their elapsed compile time, which on busy cores
 *     can exceed their CPU time
 */
record BatchResult(String system, int concurrency, boolean caches, List<Double> ttfaMillis, List<Double> totalMillis,
    int errors, List<String> errorSamples, double cpuNanosPerTurn, double simCpuNanosPerTurn, int peakPlatformThreads,
    double heapPerTurnBytes, double newConnections, double audioBytesPerTurn, int processPeakThreads,
    List<Double> startToWireMillis, double jitNanosPerTurn) {}
