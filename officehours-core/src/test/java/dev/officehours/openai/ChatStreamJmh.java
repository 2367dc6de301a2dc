package dev.officehours.openai;

import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.RetryPolicy;
import dev.officehours.jmh.Workloads;
import dev.officehours.llm.LlmCompletion;
import dev.officehours.llm.LlmListener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.Okio;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A chat completion's body becoming tokens: SSE parsing, the JSON tree of every chunk, the
 * delta's fields, the listener call, the completion with its usage. Exactly what
 * {@link ChatExchange#onSuccess} does on OkHttp's thread once the status line says 200; the
 * HTTP exchange itself is not measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChatStreamJmh {
  private static final MediaType EVENT_STREAM = MediaType.get("text/event-stream");

  private Endpoint endpoint;
  private Request request;
  /** Tokens the listener got in the last invocation. */
  public int tokens;
  /** Characters of those tokens. */
  public int chars;
  /** The completion of the last invocation, null until one arrived. */
  public LlmCompletion completion;
  /** An error the last invocation reported, null when none. */
  public OfficeHoursException error;
  private LlmListener listener;

  /** Builds what every call shares: endpoint, request and listener. */
  @Setup
  public void setUp() {
    HttpUrl base = HttpUrl.get("http://127.0.0.1:8080/v1/");
    endpoint = new Endpoint(base, "sk-not-used", Headers.of(), Map.of());
    request = new Request.Builder().url(base.resolve("chat/completions")).build();
    listener = new LlmListener() {
      @Override
      public void onToken(String delta) {
        tokens++;
        chars += delta.length();
      }

      @Override
      public void onComplete(LlmCompletion done) {
        completion = done;
      }

      @Override
      public void onError(OfficeHoursException e) {
        error = e;
      }
    };
  }

  /**
   * One OpenAI stream of 64 content tokens, from response body to {@code onComplete}.
   *
   * @return the tokens delivered, {@link Workloads#TOKENS}
   * @throws IOException never: the body is in memory
   */
  @Benchmark
  public int openAiStreamToTokens() throws IOException {
    tokens = 0;
    chars = 0;
    completion = null;
    // no client: onSuccess reads the response it is given and never sends (and a client's TLS
    // set-up would cost the smoke test seconds on a busy machine)
    ChatExchange exchange = new ChatExchange(endpoint, null, request, RetryPolicy.NONE,
        System.nanoTime() + TimeUnit.SECONDS.toNanos(30), listener, "gpt-4o-mini",
        OpenAiChat.DEFAULT_MAX_EVENT_BYTES);
    try (Response response = response(Workloads.OPENAI_CHAT_STREAM)) {
      exchange.onSuccess(response);
    }
    return completion != null ? tokens : -1;
  }

  private Response response(byte[] body) {
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(200)
        .message("OK")
        .body(new SocketLikeBody(body))
        .build();
  }

  /** A body read from an {@code InputStream} 8 KiB at a time, as from a socket. */
  private static final class SocketLikeBody extends ResponseBody {
    private final byte[] bytes;
    private BufferedSource source;

    SocketLikeBody(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public MediaType contentType() {
      return EVENT_STREAM;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public BufferedSource source() {
      if (source == null) {
        source = Okio.buffer(Okio.source(new ByteArrayInputStream(bytes)));
      }
      return source;
    }
  }
}
