/**
 * OfficeHours core: the streaming voice-AI conversation pipeline, its provider SPIs, the
 * OpenAI-compatible providers, caches and metrics. {@code dev.officehours.internal} is not
 * exported.
 */
module dev.officehours.core {
  requires transitive micrometer.core;
  requires transitive com.github.benmanes.caffeine;
  requires transitive okhttp3; // OkHttpClient is in the providers' builders (httpClient)
  requires okhttp3.sse;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires java.desktop;

  exports dev.officehours;
  exports dev.officehours.llm;
  exports dev.officehours.tts;
  exports dev.officehours.stt;
  exports dev.officehours.text;
  exports dev.officehours.errors;
  exports dev.officehours.history;
  exports dev.officehours.cache;
  exports dev.officehours.metrics;
  exports dev.officehours.openai;
  exports dev.officehours.elevenlabs;
  exports dev.officehours.tools;
  exports dev.officehours.fallback;
}
