package dev.officehours.examples.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Hand-written ordered speech for one turn, as a developer without OfficeHours writes it: each
 * piece of text becomes a streamed {@code /audio/speech} request (at most {@link
 * BenchSettings#TTS_IN_FLIGHT} at once), and audio is handed on strictly in piece order, the head
 * piece's bytes as they arrive, later pieces' bytes when their turn comes.
 */
final class OrderedSpeech {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  private final OkHttpClient client;
  private final String url;
  private final TurnProbe probe;
  private final List<Piece> pieces = new ArrayList<>();
  private final ArrayDeque<Piece> waiting = new ArrayDeque<>();
  private int head;
  private int inFlight;
  private boolean textDone;
  private boolean failed;

  OrderedSpeech(OkHttpClient client, String baseUrl, TurnProbe probe) {
    this.client = client;
    this.url = baseUrl + "/audio/speech";
    this.probe = probe;
  }

  /** Queues a piece of text to speak after the ones before it. */
  synchronized void speak(String text) {
    Piece p = new Piece(text);
    pieces.add(p);
    waiting.add(p);
    startMore();
  }

  /** No more text will come; the turn completes when the last audio is handed on. */
  synchronized void textDone() {
    textDone = true;
    deliver();
  }

  synchronized void fail(Throwable e) {
    failed = true;
    for (Piece p : pieces) {
      if (p.call != null) {
        p.call.cancel();
      }
    }
    probe.fail(e);
  }

  private void startMore() {
    while (inFlight < BenchSettings.TTS_IN_FLIGHT && !waiting.isEmpty() && !failed) {
      Piece p = waiting.poll();
      inFlight++;
      ObjectNode body = JSON.createObjectNode();
      body.put("model", BenchSettings.SPEECH_MODEL);
      body.put("input", p.text);
      body.put("voice", BenchSettings.VOICE);
      body.put("speed", 1.0);
      body.put("response_format", "pcm");
      Request request = new Request.Builder().url(url)
          .header("Authorization", "Bearer " + BenchSettings.API_KEY)
          .post(RequestBody.create(body.toString(), JSON_TYPE)).build();
      p.call = client.newCall(request);
      p.call.enqueue(p);
    }
  }

  private void deliver() {
    while (head < pieces.size() && !failed) {
      Piece p = pieces.get(head);
      for (byte[] b; (b = p.buffered.poll()) != null; ) {
        probe.audio(b.length);
      }
      if (!p.done) {
        return;
      }
      head++;
    }
    if (textDone && head == pieces.size() && !failed) {
      probe.complete();
    }
  }

  private synchronized void arrived(Piece p, byte[] bytes) {
    p.buffered.add(bytes);
    if (pieces.get(head) == p) {
      deliver();
    }
  }

  private synchronized void finished(Piece p) {
    p.done = true;
    inFlight--;
    startMore();
    deliver();
  }

  private final class Piece implements Callback {
    final String text;
    final ArrayDeque<byte[]> buffered = new ArrayDeque<>();
    volatile Call call;
    boolean done;

    Piece(String text) {
      this.text = text;
    }

    @Override
    public void onFailure(Call call, IOException e) {
      fail(e);
    }

    @Override
    public void onResponse(Call call, Response response) {
      try (response) {
        if (!response.isSuccessful()) {
          fail(new IOException("speech: HTTP " + response.code()));
          return;
        }
        BufferedSource source = response.body().source();
        Buffer buffer = new Buffer();
        while (source.read(buffer, 8192) != -1) {
          long whole = buffer.size() & ~1L; // whole 16-bit samples
          if (whole > 0) {
            arrived(this, buffer.readByteArray(whole));
          }
        }
        finished(this);
      } catch (IOException e) {
        fail(e);
      }
    }
  }
}
