package dev.officehours.openai;

import java.io.IOException;
import java.util.function.Supplier;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/**
 * A request body computed on first use, on OkHttp's call thread rather than the caller's, and
 * kept for later attempts. OkHttp asks for the length before writing, so both see the same bytes.
 */
final class DeferredBody extends RequestBody {
  private final MediaType type;
  private Supplier<byte[]> supplier;
  private byte[] bytes;

  DeferredBody(MediaType type, Supplier<byte[]> supplier) {
    this.type = type;
    this.supplier = supplier;
  }

  private synchronized byte[] bytes() {
    if (bytes == null) {
      bytes = supplier.get();
      supplier = null;
    }
    return bytes;
  }

  @Override
  public MediaType contentType() {
    return type;
  }

  @Override
  public long contentLength() {
    return bytes().length;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    sink.write(bytes());
  }
}
