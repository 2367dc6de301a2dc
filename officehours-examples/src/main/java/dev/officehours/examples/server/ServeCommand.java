package dev.officehours.examples.server;

import dev.officehours.ConversationPipeline;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.TtsCache;
import dev.officehours.examples.Args;
import dev.officehours.examples.Args.UsageException;
import dev.officehours.examples.cli.Redactor;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import dev.officehours.examples.tools.OfficeHoursCalendar;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.openai.OpenAiTranscription;
import dev.officehours.redis.OfficeHoursRedis;
import dev.officehours.tts.AudioFormat;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * {@code serve}: runs the example server until Ctrl-C. Without {@code OPENAI_API_KEY} and
 * {@code OPENAI_BASE_URL} it runs in the offline demo mode. See {@code docs/server.md}.
 */
public final class ServeCommand {
  /** Stopped normally. */
  static final int EXIT_OK = 0;
  /** A usage error: unknown flag or bad value. */
  static final int EXIT_USAGE = 2;
  /** The server could not start (port in use, Redis unreachable). */
  static final int EXIT_CANNOT_START = 3;

  private static final Set<String> VALUED = Set.of("host", "port", "redis", "allow-origin", "allow-host",
      "max-connections-per-client", "rate-limit",
      "send-buffer", "base-url", "model", "voice", "format", "system", "stt-model", "sim-ttft",
      "sim-token-interval");
  private static final Set<String> SWITCHES = Set.of("demo", "no-cache", "no-stt", "sim-voice", "behind-proxy",
      "help");
  private static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

  private ServeCommand() {}

  /**
   * Starts the server and blocks until the JVM is asked to stop. Exits with 2 on a usage error and
   * 3 when the server cannot start (port in use, Redis unreachable).
   *
   * @param args the flags; {@code --help} lists them
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    Redactor redactor = secrets(args, System.getenv());
    ChatServer server;
    try {
      server = start(args, System.getenv(), System.out, redactor);
    } catch (UsageException | IllegalArgumentException e) {
      System.err.println("serve: " + redactor.clean(e.getMessage()));
      System.err.println("Run with --help for the flags.");
      System.exit(EXIT_USAGE);
      return;
    } catch (RuntimeException e) {
      System.err.println("serve: cannot start: " + redactor.clean(String.valueOf(e.getMessage())));
      System.exit(EXIT_CANNOT_START);
      return;
    }
    if (server == null) {
      System.exit(EXIT_OK); // --help
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "officehours-server-stop"));
    server.awaitStop();
  }

  /** Every secret the flags and environment carry, learnt before anything is printed. */
  static Redactor secrets(String[] argv, Map<String, String> env) {
    Redactor r = new Redactor();
    String key = env.get("OPENAI_API_KEY");
    r.secret(key);
    r.secret(key == null ? null : key.strip());
    r.secretsOf(env.get("OPENAI_BASE_URL"));
    for (int i = 0; i < argv.length; i++) {
      for (String flag : new String[] {"--base-url", "--redis"}) {
        if (argv[i].equals(flag) && i + 1 < argv.length) {
          r.secretsOf(argv[i + 1]);
        } else if (argv[i].startsWith(flag + "=")) {
          r.secretsOf(argv[i].substring(flag.length() + 1));
        }
      }
    }
    return r;
  }

  /**
   * Starts a server from flags and the environment; prints its address.
   *
   * @param argv the flags
   * @param env the environment ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}, {@code OPENAI_MODEL})
   * @param out where the address and mode are printed
   * @param redactor knows the secrets, see {@link #secrets}
   * @return the running server, or null after {@code --help}
   */
  static ChatServer start(String[] argv, Map<String, String> env, PrintStream out, Redactor redactor) {
    Args args = Args.parse(argv, VALUED, SWITCHES);
    if (args.has("help")) {
      out.println(usage());
      return null;
    }
    if (!args.positional().isEmpty()) {
      throw new UsageException("unexpected argument '" + Redactor.showUrl(args.positional().get(0)) + "'");
    }
    ChatServer.Builder b = ChatServer.builder()
        .host(args.get("host", "127.0.0.1"))
        .port(args.getInt("port", 5001, 0, 65_535))
        .rateLimitPerMinute(rateLimit(args.get("rate-limit", "30/min")))
        .behindProxy(args.has("behind-proxy"));
    if (args.has("send-buffer")) {
      b.sendBufferBytes(args.getInt("send-buffer", 2 << 20, 1024, Integer.MAX_VALUE));
    }
    for (String host : args.get("allow-host", "").split(",")) {
      if (!host.isBlank()) {
        b.allowHost(host.strip());
      }
    }
    String perClient = args.get("max-connections-per-client", "32");
    b.maxConnectionsPerClient(perClient.equalsIgnoreCase("off") ? 0
        : args.getInt("max-connections-per-client", 32, 0, 1_000_000));
    b.secretsOf(env.get("OPENAI_BASE_URL"));
    args.get("base-url").ifPresent(b::secretsOf);
    args.get("redis").ifPresent(b::secretsOf);
    for (String origin : args.get("allow-origin", "").split(",")) {
      if (!origin.isBlank()) {
        b.allowOrigin(origin.strip());
      }
    }
    String apiKey = blankToNull(env.get("OPENAI_API_KEY"));
    apiKey = apiKey == null ? null : apiKey.strip();
    b.secret(apiKey);
    String envUrl = blankToNull(env.get("OPENAI_BASE_URL"));
    boolean demo = args.has("demo") || (!args.has("base-url") && apiKey == null && envUrl == null);
    OfficeHoursRedis redis = null;
    if (args.has("redis")) {
      try {
        redis = OfficeHoursRedis.connect(args.get("redis", ""));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--redis: " + redactor.clean(e.getMessage()));
      }
      b.closeWith(redis);
    }
    String mode;
    if (demo && redis == null && !args.has("system") && !args.has("no-cache")) {
      SimulatedOpenAiServer.Builder sim = SimulatedOpenAiServer.builder()
          .timeToFirstToken(args.getDuration("sim-ttft", Duration.ofMillis(250)))
          .tokenInterval(args.getDuration("sim-token-interval", Duration.ofMillis(30)));
      b.demo(sim, !args.has("sim-voice"));
      if (args.has("no-stt")) {
        b.withoutStt();
      }
      mode = "demo mode: no OPENAI_API_KEY or OPENAI_BASE_URL, so answers come from a simulated model and speech from "
          + (args.has("sim-voice") ? "the simulated voice" : "the offline FreeTTS voice");
    } else {
      ConversationPipeline.Builder pb;
      if (demo) {
        pb = demoBuilder(args, b);
        mode = "demo mode (simulated model, offline voice)";
      } else {
        HttpUrl url = baseUrl(args, envUrl);
        String root = url.newBuilder().query(null).fragment(null).build().toString();
        String model = args.get("model").orElse(env.getOrDefault("OPENAI_MODEL", OpenAiChat.DEFAULT_MODEL));
        AudioFormat format = format(args.get("format", "pcm"));
        OpenAiChat.Builder chat = OpenAiChat.builder().baseUrl(root).model(model);
        OpenAiSpeech.Builder speech = OpenAiSpeech.builder().baseUrl(root).format(format);
        OpenAiTranscription.Builder stt = OpenAiTranscription.builder().baseUrl(root);
        for (int i = 0; i < url.querySize(); i++) {
          String value = url.queryParameterValue(i) == null ? "" : url.queryParameterValue(i);
          chat.queryParameter(url.queryParameterName(i), value);
          speech.queryParameter(url.queryParameterName(i), value);
          stt.queryParameter(url.queryParameterName(i), value);
        }
        if (apiKey != null) {
          chat.apiKey(apiKey);
          speech.apiKey(apiKey);
          stt.apiKey(apiKey);
        }
        args.get("voice").ifPresent(speech::voice);
        args.get("stt-model").ifPresent(stt::model);
        pb = ConversationPipeline.builder().llm(chat.build()).tts(speech.build());
        b.audioFormat(format);
        if (!args.has("no-stt")) {
          b.stt(stt.build());
        }
        mode = "model " + model + " at " + Redactor.show(url);
      }
      if (redis != null) {
        pb.conversationStore(redis.conversationStore());
        if (!args.has("no-cache")) {
          pb.ttsCache(TtsCache.builder(redis.cacheStore()).build());
          pb.answerCache(AnswerCache.builder(redis.cacheStore()).build());
        }
        mode += "; history and caches in Redis at " + Redactor.showUrl(args.get("redis", ""))
            + (redis.isAvailable() ? "" : " (not reachable yet: running without it until it is)");
      } else if (!args.has("no-cache")) {
        pb.ttsCache(TtsCache.inMemory());
        pb.answerCache(AnswerCache.inMemory());
      }
      args.get("system").ifPresent(pb::systemPrompt);
      b.pipeline(OfficeHoursCalendar.addTo(pb, true));
    }
    ChatServer server = b.start();
    out.println("OfficeHours server on " + server.url() + " (" + redactor.clean(mode) + ")");
    out.println("  voice chat page: " + server.url() + "/    monitor: " + server.url() + "/monitor"
        + "    API: docs/http-api.md    Ctrl-C stops it");
    return server;
  }

  /** Demo providers built by hand when Redis or a system prompt needs the pipeline's builder. */
  private static ConversationPipeline.Builder demoBuilder(Args args, ChatServer.Builder b) {
    SimulatedOpenAiServer sim = SimulatedOpenAiServer.builder()
        .timeToFirstToken(args.getDuration("sim-ttft", Duration.ofMillis(250)))
        .tokenInterval(args.getDuration("sim-token-interval", Duration.ofMillis(30))).start();
    b.closeWith(sim);
    if (!args.has("no-stt")) {
      b.stt(ChatServer.Builder.simulatedStt(sim));
    }
    ConversationPipeline.Builder pb = ConversationPipeline.builder()
        .llm(OpenAiChat.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL).build());
    if (args.has("sim-voice")) {
      pb.tts(OpenAiSpeech.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL + "-tts")
          .voice("alloy").format(AudioFormat.PCM_24K).build());
    } else {
      dev.officehours.examples.tts.FreeTtsSpeech voice = dev.officehours.examples.tts.FreeTtsSpeech.create();
      voice.warmUp();
      b.closeWith(voice);
      pb.tts(voice);
    }
    b.audioFormat(AudioFormat.PCM_24K);
    b.markDemo();
    return pb;
  }

  static int rateLimit(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("off") || v.equals("0")) {
      return 0;
    }
    String number = v.endsWith("/min") ? v.substring(0, v.length() - 4) : v;
    try {
      int n = Integer.parseInt(number.strip());
      if (n < 1 || n > 1_000_000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException("--rate-limit must be like 30/min (1 to 1000000) or off but was '"
          + Redactor.showUrl(value) + "'");
    }
  }

  private static HttpUrl baseUrl(Args args, String envUrl) {
    String given = args.get("base-url").orElse(envUrl == null ? DEFAULT_BASE_URL : envUrl);
    HttpUrl url = HttpUrl.parse(given.strip());
    if (url == null) {
      throw new UsageException((args.has("base-url") ? "--base-url" : "OPENAI_BASE_URL")
          + " must be an http or https URL like " + DEFAULT_BASE_URL + " but was '" + Redactor.showUrl(given) + "'");
    }
    return url;
  }

  private static AudioFormat format(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "pcm" -> AudioFormat.PCM_24K;
      case "mp3" -> AudioFormat.MP3;
      case "opus" -> AudioFormat.OPUS;
      case "wav" -> AudioFormat.WAV;
      default -> throw new UsageException("--format must be pcm, mp3, opus or wav but was '"
          + Redactor.showUrl(name) + "'");
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** @return the flags, one per line */
  static String usage() {
    return String.join("\n",
        "Usage: java -jar officehours-examples.jar serve [flags]",
        "Runs the voice chat page, the monitor dashboard and the HTTP/WebSocket API (docs/http-api.md).",
        "Without OPENAI_API_KEY and OPENAI_BASE_URL it runs in offline demo mode.",
        "  --host ADDR            address to bind (default 127.0.0.1; 0.0.0.0 for every interface)",
        "  --port N               port (default 5001; 0 for a free one)",
        "  --allow-origin LIST    comma-separated browser origins allowed besides the server's own",
        "                         (CORS and WebSocket), e.g. https://app.example.com",
        "  --rate-limit R         turns and transcriptions per client a minute: 30/min (default) or off",
        "  --allow-host LIST      comma-separated host names browsers use besides 127.0.0.1/localhost",
        "                         (needed behind a reverse proxy that passes its own Host)",
        "  --max-connections-per-client N  open WebSockets per client address (default 32; off for load tests)",
        "  --behind-proxy         count rate limits by X-Forwarded-For (only behind a reverse proxy that sets it)",
        "  --send-buffer BYTES    how far a client may fall behind before it is cut off (default 2097152)",
        "  --redis URI            history and caches in Redis, shared by every server pointed at it",
        "  --no-cache             no TTS or answer cache",
        "  --base-url URL         OpenAI-compatible API (default OPENAI_BASE_URL, else OpenAI's)",
        "  --model NAME           chat model (default OPENAI_MODEL, else " + OpenAiChat.DEFAULT_MODEL + ")",
        "  --voice NAME           TTS voice;  --format pcm|mp3|opus|wav  audio sent to browsers (default pcm)",
        "  --stt-model NAME       speech-to-text model for POST /chat/transcribe;  --no-stt  turns it off",
        "  --system TEXT          system prompt",
        "  --demo                 demo mode even when a key is set",
        "  --sim-ttft D           demo: the simulated model's time to first token (default 250ms)",
        "  --sim-token-interval D demo: its delay between tokens (default 30ms)",
        "  --sim-voice            demo: the simulated server's voice instead of FreeTTS (load tests)",
        "  --help, -h             this text",
        "Exit codes: 0 stopped, 2 usage error, 3 cannot start (port in use, Redis unreachable).");
  }
}
