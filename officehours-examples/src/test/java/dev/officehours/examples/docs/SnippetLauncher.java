package dev.officehours.examples.docs;

/**
 * The {@code main} of a statements snippet run in a child JVM: creates the {@value
 * JavaSnippet#WRAPPER} class the snippet was compiled into and calls its {@code snippet()}, so a
 * failure exits non-zero with its stack trace, as the same lines would in a user's program.
 */
public final class SnippetLauncher {
  private SnippetLauncher() {}

  /**
   * Runs the wrapped snippet.
   *
   * @param args unused
   * @throws Exception what the snippet throws
   */
  public static void main(String[] args) throws Exception {
    Class<?> wrapper = Class.forName(JavaSnippet.WRAPPER);
    var constructor = wrapper.getDeclaredConstructor();
    constructor.setAccessible(true);
    var snippet = wrapper.getDeclaredMethod("snippet");
    snippet.setAccessible(true);
    try {
      snippet.invoke(constructor.newInstance());
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
