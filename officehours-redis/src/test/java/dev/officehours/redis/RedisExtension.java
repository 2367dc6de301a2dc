package dev.officehours.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one real Redis server per test class and hands it to tests as a
 * {@link RedisServerProcess} parameter. Before each test the server is running (resumed or
 * restarted if a test paused or stopped it) and empty.
 */
final class RedisExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    context.getStore(NS).put("server", RedisServerProcess.startOnFreePort());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    RedisServerProcess server = context.getStore(NS).remove("server", RedisServerProcess.class);
    if (server != null) {
      server.close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    RedisServerProcess server = server(context);
    server.resume(); // a test may have left it paused
    server.start();
    server.flushAll();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RedisServerProcess.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  private static RedisServerProcess server(ExtensionContext context) {
    ExtensionContext c = context;
    while (c != null) {
      RedisServerProcess s = c.getStore(NS).get("server", RedisServerProcess.class);
      if (s != null) {
        return s;
      }
      c = c.getParent().orElse(null);
    }
    throw new IllegalStateException("no Redis server started");
  }
}
