/**
 * Tools: functions the model may call in the middle of a spoken turn (look up a calendar, book a
 * slot, find an order). Make one with {@link dev.officehours.tools.Tool#of} (asynchronous) or
 * {@link dev.officehours.tools.Tool#blocking}, and give it to the pipeline's builder or to one
 * turn's request; the pipeline runs the calls, sends the results back to the model and keeps
 * speaking its answer.
 */
package dev.officehours.tools;
