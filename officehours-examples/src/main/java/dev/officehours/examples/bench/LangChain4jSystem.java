package dev.officehours.examples.bench;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.audio.TextToSpeechRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiTextToSpeechModel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * (b) What a Java developer builds today with LangChain4j 1.19: {@link OpenAiStreamingChatModel}
 * streams the answer, a sentence splitter cuts it at sentence ends (the first sentence's length
 * decides how long speech waits), and each sentence is spoken in order, up to three at once:
 * <ul>
 *   <li>{@code b}: each sentence is a streamed {@code /audio/speech} request (OkHttp), its audio
 *       handed on as it arrives;
 *   <li>{@code b-tts}: each sentence goes through LangChain4j's own {@link
 *       OpenAiTextToSpeechModel}, which blocks until the whole audio is there.
 * </ul>
 */
final class LangChain4jSystem implements VoiceSystem {
  private final OpenAiStreamingChatModel chat;
  private final OpenAiTextToSpeechModel ttsModel;
  private final OkHttpClient http;
  private final ExecutorService ttsThreads;
  private final String baseUrl;

  private LangChain4jSystem(String baseUrl, int concurrency, boolean ttsModel) {
    this.baseUrl = baseUrl;
    this.chat = OpenAiStreamingChatModel.builder().baseUrl(baseUrl).apiKey(BenchSettings.API_KEY)
        .modelName(BenchSettings.CHAT_MODEL).timeout(Duration.ofSeconds(60)).build();
    if (ttsModel) {
      this.ttsModel = OpenAiTextToSpeechModel.builder().baseUrl(baseUrl).apiKey(BenchSettings.API_KEY)
          .modelName(BenchSettings.SPEECH_MODEL).voice(BenchSettings.VOICE).timeout(Duration.ofSeconds(60))
          .maxRetries(0).build();
      this.ttsThreads = BenchSettings.httpThreads("lc4j-tts");
      this.http = null;
    } else {
      this.ttsModel = null;
      this.ttsThreads = null;
      Dispatcher dispatcher = new Dispatcher(BenchSettings.httpThreads("lc4j-speech"));
      dispatcher.setMaxRequests(100_000);
      dispatcher.setMaxRequestsPerHost(100_000);
      this.http = new OkHttpClient.Builder().dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(Math.max(20, concurrency * BenchSettings.TTS_IN_FLIGHT), 5, TimeUnit.MINUTES))
          .readTimeout(60, TimeUnit.SECONDS).build();
    }
  }

  static LangChain4jSystem streamedSpeech(String baseUrl, int concurrency) {
    return new LangChain4jSystem(baseUrl, concurrency, false);
  }

  static LangChain4jSystem ttsModel(String baseUrl, int concurrency) {
    return new LangChain4jSystem(baseUrl, concurrency, true);
  }

  @Override
  public String id() {
    return ttsModel == null ? "b" : "b-tts";
  }

  @Override
  public String label() {
    return ttsModel == null
        ? "LangChain4j 1.19 OpenAiStreamingChatModel + sentence splitting + streamed TTS per sentence, in order"
        : "LangChain4j 1.19 OpenAiStreamingChatModel + sentence splitting + OpenAiTextToSpeechModel per sentence, in order";
  }

  @Override
  public void turn(String question, TurnProbe probe) {
    List<ChatMessage> messages = List.of(SystemMessage.from(BenchSettings.SYSTEM_PROMPT), UserMessage.from(question));
    Sentences splitter = Sentences.sentences();
    Speaker speaker = ttsModel == null ? new Streamed(new OrderedSpeech(http, baseUrl, probe)) : new Blocking(probe);
    chat.chat(messages, new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String token) {
        String sentence = splitter.add(token);
        if (sentence != null) {
          speaker.speak(sentence);
        }
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        String rest = splitter.flush();
        if (rest != null) {
          speaker.speak(rest);
        }
        speaker.textDone();
      }

      @Override
      public void onError(Throwable error) {
        speaker.fail(error);
      }
    });
  }

  private interface Speaker {
    void speak(String sentence);

    void textDone();

    void fail(Throwable e);
  }

  private record Streamed(OrderedSpeech speech) implements Speaker {
    @Override
    public void speak(String sentence) {
      speech.speak(sentence);
    }

    @Override
    public void textDone() {
      speech.textDone();
    }

    @Override
    public void fail(Throwable e) {
      speech.fail(e);
    }
  }

  /** LangChain4j's blocking TTS model, a sentence per call on a thread, delivered in order. */
  private final class Blocking implements Speaker {
    private final TurnProbe probe;
    private final List<byte[]> audio = new ArrayList<>();
    private final ArrayDeque<Integer> waiting = new ArrayDeque<>();
    private final List<String> sentences = new ArrayList<>();
    private int inFlight;
    private int head;
    private boolean textDone;
    private boolean failed;

    Blocking(TurnProbe probe) {
      this.probe = probe;
    }

    @Override
    public synchronized void speak(String sentence) {
      sentences.add(sentence);
      audio.add(null);
      waiting.add(sentences.size() - 1);
      startMore();
    }

    private void startMore() {
      while (inFlight < BenchSettings.TTS_IN_FLIGHT && !waiting.isEmpty() && !failed) {
        int index = waiting.poll();
        String text = sentences.get(index);
        inFlight++;
        ttsThreads.execute(() -> {
          try {
            byte[] bytes = ttsModel.synthesize(TextToSpeechRequest.builder(text).build()).audio().binaryData();
            done(index, bytes);
          } catch (RuntimeException e) {
            fail(e);
          }
        });
      }
    }

    private synchronized void done(int index, byte[] bytes) {
      audio.set(index, bytes);
      inFlight--;
      while (head < audio.size() && audio.get(head) != null && !failed) {
        probe.audio(audio.get(head).length);
        audio.set(head, new byte[0]);
        head++;
      }
      startMore();
      finishIfDone();
    }

    @Override
    public synchronized void textDone() {
      textDone = true;
      finishIfDone();
    }

    private void finishIfDone() {
      if (textDone && head == sentences.size() && !failed) {
        probe.complete();
      }
    }

    @Override
    public synchronized void fail(Throwable e) {
      failed = true;
      probe.fail(e);
    }
  }

  @Override
  public void close() {
    if (http != null) {
      http.dispatcher().executorService().shutdownNow();
      http.connectionPool().evictAll();
    }
    if (ttsThreads != null) {
      ttsThreads.shutdownNow();
    }
  }
}
