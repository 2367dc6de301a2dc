/**
 * What can go wrong, in one leaf package every other package may use: {@link
 * dev.officehours.errors.OfficeHoursException} (tagged with the pipeline
 * {@link dev.officehours.errors.OfficeHoursException.Stage stage}) and its subclasses, and the
 * {@link dev.officehours.errors.RetryPolicy} that says which provider failures are retried.
 */
package dev.officehours.errors;
