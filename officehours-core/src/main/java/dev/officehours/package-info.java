/**
 * The API a user touches: {@link dev.officehours.ConversationPipeline} and its builder,
 * {@link dev.officehours.TurnRequest}, the {@link dev.officehours.Turn} handle (cancel, barge-in
 * with a {@link dev.officehours.PlaybackPosition}), the {@link dev.officehours.TurnListener} and
 * the {@link dev.officehours.TurnEvent} records it receives (a completed turn ends with a
 * {@link dev.officehours.TurnResult} and its {@link dev.officehours.TurnMetrics}), and the
 * {@link dev.officehours.PipelineClock} that tests drive by hand. What can go wrong is in
 * {@link dev.officehours.errors}; the providers a pipeline calls implement the SPIs of
 * {@link dev.officehours.llm} and {@link dev.officehours.tts}.
 */
package dev.officehours;
