package com.example.voice;

import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * One OkHttp client for both providers, as docs/providers.md shows. The module declares no
 * {@code requires okhttp3}: the SDK's module passes it on ({@code requires transitive}), since
 * its builders take an {@code OkHttpClient}.
 */
final class SharedClient {
  private SharedClient() {
  }

  static OpenAiChat.Builder chat(String key) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequestsPerHost(64);
    OkHttpClient client = new OkHttpClient.Builder().dispatcher(dispatcher).build();
    OpenAiSpeech.builder().apiKey(key).httpClient(client);
    return OpenAiChat.builder().apiKey(key).httpClient(client);
  }
}
