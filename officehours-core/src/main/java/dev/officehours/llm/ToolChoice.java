package dev.officehours.llm;

/** Whether the model may call the functions a chat request offers. */
public enum ToolChoice {
  /** The model decides whether to call a function or to answer (the default). */
  AUTO,
  /** The model must answer in text; the functions are listed only as context. */
  NONE,
  /** The model must call at least one function. */
  REQUIRED;

  /**
   * The name of this choice in the OpenAI chat format.
   *
   * @return {@code auto}, {@code none} or {@code required}
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
