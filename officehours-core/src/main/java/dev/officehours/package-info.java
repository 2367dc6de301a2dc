/**
 * The API a user touches: {@link dev.officehours.ConversationPipeline} and its builder,
 * {@link dev.officehours.TurnRequest}, the {@link dev.officehours.Turn} handle, the
 * {@link dev.officehours.TurnListener} and the event records, {@link dev.officehours.TurnResult}
 * with its {@link dev.officehours.TurnMetrics}, and {@link dev.officehours.errors.OfficeHoursException}
 * with its subclasses.
 */
package dev.officehours;
