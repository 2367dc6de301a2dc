package dev.officehours.errors;

/** A turn was started on a pipeline that is closing or closed. Nothing was sent or stored. */
public final class PipelineClosedException extends OfficeHoursException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public PipelineClosedException() {
    super(Stage.PIPELINE, "the pipeline is closed: no new turn can start");
  }
}
