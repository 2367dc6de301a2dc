package dev.officehours.examples.cli;

import dev.officehours.AudioFrame;
import dev.officehours.ConversationPipeline;
import dev.officehours.errors.InvalidRequestException;
import dev.officehours.errors.OfficeHoursException;
import dev.officehours.errors.ProviderException;
import dev.officehours.SpeechInput;
import dev.officehours.TextDelta;
import dev.officehours.Transcribed;
import dev.officehours.ToolCallStarted;
import dev.officehours.ToolResult;
import dev.officehours.Turn;
import dev.officehours.TurnCancelled;
import dev.officehours.TurnEvent;
import dev.officehours.TurnFailed;
import dev.officehours.TurnListener;
import dev.officehours.TurnMetrics;
import dev.officehours.TurnRequest;
import dev.officehours.TurnResult;
import dev.officehours.examples.Args;
import dev.officehours.examples.Args.UsageException;
import dev.officehours.examples.sim.SimulatedOpenAiServer;
import dev.officehours.examples.tools.OfficeHoursCalendar;
import dev.officehours.cache.AnswerCache;
import dev.officehours.cache.TtsCache;
import dev.officehours.examples.tts.FreeTtsSpeech;
import dev.officehours.openai.OpenAiChat;
import dev.officehours.openai.OpenAiSpeech;
import dev.officehours.openai.OpenAiTranscription;
import dev.officehours.redis.OfficeHoursRedis;
import dev.officehours.tts.AudioFormat;
import dev.officehours.tts.TtsProvider;
import io.lettuce.core.RedisConnectionException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import okhttp3.HttpUrl;

/**
 * Chat with OfficeHours in a terminal: type a line, the answer streams as text and is spoken
 * through the sound card, or written as one WAV file per turn with {@code --out DIR} or when there
 * is no audio device. Without {@code OPENAI_API_KEY} and {@code OPENAI_BASE_URL} it runs in demo
 * mode: a simulated model in this process and the offline FreeTTS voice. Answers and speech are
 * cached (in memory, or in Redis with {@code --redis}). See {@code docs/cli.md}.
 *
 * <p>The answer text goes to standard output, with each tool call and its result on a line of its
 * own ({@code   [tool] check_office_hours {"day":"tomorrow"}}) where it happened in the answer;
 * everything else (the demo notice, the metrics line after each turn, file paths, errors) goes to
 * standard error, so {@code --text} is scriptable. The pipelines offer the demo's {@link
 * OfficeHoursCalendar} tool, in demo mode and with a real model alike.
 *
 * <p>Ctrl-C during an answer cancels the turn (barge-in); a second Ctrl-C within two seconds, or
 * one at the prompt, exits with code 130; with {@code --text} a cancelled answer also exits with 130.
 */
public final class ChatCli {
  /** Done. */
  static final int EXIT_OK = 0;
  /** A usage error: unknown flag, bad value, invalid request (e.g. not an image). */
  static final int EXIT_USAGE = 2;
  /** The server could not be reached (connection refused, unknown host). */
  static final int EXIT_CONNECTION = 3;
  /** The server refused the API key (HTTP 401 or 403). */
  static final int EXIT_AUTH = 4;
  /** The turn failed for another reason (a provider error, the turn deadline). */
  static final int EXIT_TURN_FAILED = 5;
  /** An input file (the image) could not be read, or the audio could not be written (--out). */
  static final int EXIT_UNREADABLE_FILE = 6;
  /** Interrupted with Ctrl-C. */
  static final int EXIT_INTERRUPTED = 130;

  private static final Set<String> VALUED = Set.of("base-url", "model", "voice", "format", "system", "session", "text",
      "image", "out", "redis", "audio", "stt-model");
  private static final Set<String> SWITCHES = Set.of("no-audio", "no-cache", "demo", "help");
  private static final long DOUBLE_CTRL_C_NANOS = 2_000_000_000L;
  private static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

  private final PrintStream out;
  private final PrintStream err;
  /** The libraries' log lines: held while an answer streams, so they never split its line. */
  private final LogLines logs;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final Redactor redactor = new Redactor();
  private ConversationPipeline pipeline;
  private AudioOutput audio;
  private String session;
  /** The server's URL as it may be printed: no password, no query values. */
  private String shownBaseUrl;
  private String shownRedis = "";
  private volatile Turn current;
  private volatile long lastInterrupt;
  private int turns;

  private ChatCli(PrintStream out, PrintStream err, LogLines logs) {
    this.out = out;
    this.err = err;
    this.logs = logs;
  }

  /**
   * Runs the chat and exits with its exit code: 0 done, 2 usage error or invalid request, 3 the
   * server or Redis cannot be reached, 4 the API key was refused, 5 the turn failed otherwise, 6 a
   * file cannot be read or written, 130 interrupted (docs/cli.md).
   *
   * @param args the flags; {@code --help} lists them
   */
  public static void main(String[] args) {
    PrintStream terminal = System.err;
    ChatCli cli = new ChatCli(System.out, terminal, LogLines.install());
    cli.installCtrlC();
    System.exit(cli.run(args, System.in, System.getenv()));
  }

  /**
   * Runs the chat without touching signal handlers or standard error: for tests.
   *
   * @param argv the flags
   * @param in where typed lines come from (unused with {@code --text})
   * @param out where the answer text goes
   * @param err where notices, metrics and errors go
   * @param env the environment ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}, {@code OPENAI_MODEL})
   * @return the exit code
   */
  static int run(String[] argv, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    return new ChatCli(out, err, null).run(argv, in, env);
  }

  private int run(String[] argv, InputStream in, Map<String, String> env) {
    registerSecrets(argv, env);
    Args args;
    byte[] image = null;
    SpeechInput speech = null;
    try {
      args = Args.parse(argv, VALUED, SWITCHES);
      if (args.has("help")) {
        out.println(usage());
        return EXIT_OK;
      }
      if (!args.positional().isEmpty()) {
        throw new UsageException("unexpected argument '" + showArgument(args.positional().get(0))
            + "' (quote the question: --text \"...\")");
      }
      session = args.get("session", "cli");
      TurnRequest.of(session, "validate the session id");
      if (args.has("image")) {
        Path file = Path.of(args.get("image", ""));
        try {
          image = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
          printError("chat: cannot read image " + file + ": " + reason(e));
          return EXIT_UNREADABLE_FILE;
        }
        if (image.length == 0) {
          printError("chat: cannot use image " + file + ": the file is empty");
          return EXIT_UNREADABLE_FILE;
        }
      }
      if (args.has("audio")) {
        if (args.has("text")) {
          throw new UsageException("--audio and --text both ask the question: give one of them");
        }
        Path file = Path.of(args.get("audio", ""));
        byte[] recording;
        try {
          recording = Files.readAllBytes(file);
        } catch (IOException | SecurityException e) {
          printError("chat: cannot read audio " + file + ": " + reason(e));
          return EXIT_UNREADABLE_FILE;
        }
        if (recording.length == 0) {
          printError("chat: cannot use audio " + file + ": the file is empty");
          return EXIT_UNREADABLE_FILE;
        }
        speech = SpeechInput.of(recording, audioType(file));
      }
      setUp(args, env);
    } catch (WavFileOutput.CannotWrite e) {
      printError(cannotWrite(e));
      closeAll();
      return EXIT_UNREADABLE_FILE;
    } catch (RedisConnectionException e) {
      printError("chat: cannot connect to Redis at " + shownRedis + " (" + reason(rootCause(e))
          + "): is it running and the --redis URI right?");
      closeAll();
      return EXIT_CONNECTION;
    } catch (UsageException | InvalidRequestException e) {
      printError("chat: " + e.getMessage());
      err.println("Run with --help for the flags.");
      closeAll();
      return EXIT_USAGE;
    } catch (IllegalArgumentException e) {
      printError("chat: " + e.getMessage());
      closeAll();
      return EXIT_USAGE;
    }
    try {
      if (speech != null) {
        return audioTurn(speech, image);
      }
      if (args.has("text")) {
        return turn(args.get("text", ""), image);
      }
      return loop(in, image);
    } finally {
      closeAll();
    }
  }

  /**
   * Learns every secret before anything can be printed: the key, and whatever the base URL and
   * the Redis URI carry, even when they turn out to be malformed.
   */
  private void registerSecrets(String[] argv, Map<String, String> env) {
    String key = env.get("OPENAI_API_KEY");
    redactor.secret(key);
    redactor.secret(key == null ? null : key.strip());
    redactor.secretsOf(env.get("OPENAI_BASE_URL"));
    for (int i = 0; i < argv.length; i++) {
      for (String flag : List.of("--base-url", "--redis")) {
        if (argv[i].equals(flag) && i + 1 < argv.length) {
          redactor.secretsOf(argv[i + 1]);
        } else if (argv[i].startsWith(flag + "=")) {
          redactor.secretsOf(argv[i].substring(flag.length() + 1));
        }
      }
    }
  }

  /** An error line: secrets removed, control characters escaped, whatever the text came from. */
  private void printError(String line) {
    err.println(redactor.clean(line));
  }

  /** A stray argument, echoed so the user sees the mistake; one that looks like a URL is masked. */
  private static String showArgument(String arg) {
    return arg.contains("@") || arg.contains("://") ? Redactor.showUrl(arg) : Redactor.escapeControls(arg);
  }

  private void setUp(Args args, Map<String, String> env) {
    boolean wantAudio = !args.has("no-audio");
    AudioFormat format = format(args.get("format", "pcm"));
    String apiKey = blankToNull(env.get("OPENAI_API_KEY"));
    apiKey = apiKey == null ? null : apiKey.strip(); // a pasted key often ends in a newline
    String envUrl = blankToNull(env.get("OPENAI_BASE_URL"));
    boolean demo = args.has("demo") || (!args.has("base-url") && apiKey == null && envUrl == null);
    OpenAiChat chat;
    OpenAiTranscription stt;
    TtsProvider tts = null;
    if (demo) {
      SimulatedOpenAiServer sim = SimulatedOpenAiServer.builder()
          .timeToFirstToken(Duration.ofMillis(250)).tokenInterval(Duration.ofMillis(30)).start();
      resources.add(sim);
      shownBaseUrl = sim.baseUrl();
      chat = OpenAiChat.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL).build();
      // the simulated server's transcription: a WAV labelled by our tooling is heard as its label
      stt = OpenAiTranscription.builder().baseUrl(sim.baseUrl()).model(SimulatedOpenAiServer.MODEL + "-transcribe")
          .build();
      if (wantAudio) {
        FreeTtsSpeech freeTts = FreeTtsSpeech.create();
        freeTts.warmUp();
        resources.add(freeTts);
        tts = freeTts;
      }
      err.println("Demo mode: no OPENAI_API_KEY or OPENAI_BASE_URL, so answers come from a simulated model on "
          + shownBaseUrl + (wantAudio ? " and speech from the offline FreeTTS voice." : ".")
          + (args.has("format") && format != AudioFormat.PCM_24K ? " (--format ignored: the demo voice speaks pcm.)" : "")
          + (args.has("voice") ? " (--voice ignored: the demo voice is " + FreeTtsSpeech.VOICE + ".)" : ""));
    } else {
      HttpUrl url = baseUrl(args, envUrl);
      shownBaseUrl = Redactor.show(url);
      String root = url.newBuilder().query(null).fragment(null).build().toString();
      String model = args.get("model").orElse(env.getOrDefault("OPENAI_MODEL", OpenAiChat.DEFAULT_MODEL));
      OpenAiChat.Builder c = OpenAiChat.builder().baseUrl(root).model(model);
      // the providers take query parameters apart from the base URL (Azure's ?api-version=...)
      forEachQueryParameter(url, c::queryParameter);
      if (apiKey != null) {
        c.apiKey(apiKey);
      }
      chat = c.build();
      OpenAiTranscription.Builder t = OpenAiTranscription.builder().baseUrl(root)
          .model(args.get("stt-model").orElse(env.getOrDefault("OPENAI_STT_MODEL", OpenAiTranscription.DEFAULT_MODEL)));
      forEachQueryParameter(url, t::queryParameter);
      if (apiKey != null) {
        t.apiKey(apiKey);
      }
      stt = t.build();
      if (wantAudio) {
        OpenAiSpeech.Builder s = OpenAiSpeech.builder().baseUrl(root).format(format);
        forEachQueryParameter(url, s::queryParameter);
        if (apiKey != null) {
          s.apiKey(apiKey);
        }
        args.get("voice").ifPresent(s::voice);
        tts = s.build();
      }
    }
    if (wantAudio) {
      audio = audioOutput(args, format);
    }
    ConversationPipeline.Builder b = ConversationPipeline.builder().llm(chat).stt(stt);
    if (tts != null) {
      b.tts(tts);
    }
    if (args.has("redis")) {
      // history and both caches in Redis: they outlive this process and are shared by every
      // instance pointed at the same Redis
      String uri = args.get("redis", "");
      shownRedis = Redactor.showUrl(uri);
      OfficeHoursRedis redis;
      try {
        redis = OfficeHoursRedis.connect(uri);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--redis: " + e.getMessage());
      }
      resources.add(redis);
      if (!redis.isAvailable()) {
        // A server keeps serving and lets Redis join later; a one-shot chat asked for Redis by
        // name, so say at once that it is not there.
        throw new RedisConnectionException("not reachable",
            new java.net.ConnectException("connection refused"));
      }
      b.conversationStore(redis.conversationStore());
      if (!args.has("no-cache")) {
        b.ttsCache(TtsCache.builder(redis.cacheStore()).build());
        b.answerCache(AnswerCache.builder(redis.cacheStore()).build());
      }
    } else if (!args.has("no-cache")) {
      b.ttsCache(TtsCache.inMemory());
      b.answerCache(AnswerCache.inMemory());
    }
    args.get("system").ifPresent(b::systemPrompt);
    // the demo's calendar: "When are office hours tomorrow?" shows a tool call (and its filler)
    OfficeHoursCalendar.addTo(b, tts != null);
    pipeline = b.build();
  }

  /** The server's URL from --base-url, else OPENAI_BASE_URL, else OpenAI's; checked here so a bad one is never echoed whole. */
  private static HttpUrl baseUrl(Args args, String envUrl) {
    String given = args.get("base-url").orElse(envUrl == null ? DEFAULT_BASE_URL : envUrl);
    HttpUrl url = HttpUrl.parse(given.strip());
    if (url == null) {
      String source = args.has("base-url") ? "--base-url" : "OPENAI_BASE_URL";
      throw new UsageException(source + " must be an http or https URL like " + DEFAULT_BASE_URL + " but was '"
          + Redactor.showUrl(given) + "'" + (given.contains("://") ? "" : " (no http:// or https:// in front)"));
    }
    return url;
  }

  private static void forEachQueryParameter(HttpUrl url, BiConsumer<String, String> parameter) {
    for (int i = 0; i < url.querySize(); i++) {
      String value = url.queryParameterValue(i);
      parameter.accept(url.queryParameterName(i), value == null ? "" : value);
    }
  }

  private AudioOutput audioOutput(Args args, AudioFormat format) {
    if (args.has("out")) {
      return WavFileOutput.checked(Path.of(args.get("out", ".")), "turn-");
    }
    boolean playable = format.isRawPcm() || format.encoding() == AudioFormat.Encoding.WAV;
    Optional<SpeakerOutput> speaker = playable ? SpeakerOutput.open() : Optional.empty();
    if (speaker.isPresent()) {
      resources.add(0, speaker.get()); // closed first: let the last answer finish playing
      return speaker.get();
    }
    err.println((playable ? "No audio device" : "javax.sound cannot play " + format.encoding().wireName())
        + ": each answer's audio is written to a file in a temporary directory, its path printed after the answer.");
    return WavFileOutput.inTemporaryDirectory("turn-");
  }

  private int loop(InputStream in, byte[] image) {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    err.println("Type a question and press Enter; Ctrl-C interrupts an answer, /quit or Ctrl-D ends.");
    byte[] pendingImage = image;
    while (true) {
      err.print("> ");
      err.flush();
      String line;
      try {
        line = reader.readLine();
      } catch (IOException e) {
        printError("chat: cannot read the input: " + e.getMessage());
        return EXIT_OK;
      }
      if (line == null || line.strip().equals("/quit") || line.strip().equals("/exit")) {
        return EXIT_OK;
      }
      if (line.isBlank()) {
        continue;
      }
      int code = turn(line, pendingImage);
      pendingImage = null;
      if (code == EXIT_CONNECTION || code == EXIT_AUTH) {
        return code; // nothing will work until the URL or key is fixed
      }
    }
  }

  /** Asks {@code text} (with {@code image}, a vision turn) and returns the exit code the turn deserves. */
  private int turn(String text, byte[] image) {
    TurnRequest request;
    try {
      TurnRequest.Builder rb = TurnRequest.builder(session, text);
      if (image != null) {
        rb.image(image);
      }
      request = rb.build();
    } catch (InvalidRequestException e) {
      printError("chat: " + e.getMessage());
      return EXIT_USAGE;
    }
    return turn(request);
  }

  /** Asks the question spoken in {@code speech}: its transcript is printed, then the answer. */
  private int audioTurn(SpeechInput speech, byte[] image) {
    TurnRequest.Builder rb = TurnRequest.builder(session, speech);
    if (image != null) {
      rb.image(image);
    }
    return turn(rb.build());
  }

  /** Runs one turn to its end and returns the exit code it deserves. */
  private int turn(TurnRequest request) {
    int number = ++turns;
    if (audio != null) {
      audio.beginTurn(number);
    }
    CompletableFuture<TurnEvent> end = new CompletableFuture<>();
    AnswerLines answer = new AnswerLines(out, redactor);
    TurnListener listener = TurnListener.of(event -> {
      if (event instanceof Transcribed transcript) {
        answer.transcript(transcript.text());
      } else if (event instanceof TextDelta delta) {
        answer.text(delta.text());
      } else if (event instanceof ToolCallStarted call) {
        answer.toolCall(call);
      } else if (event instanceof ToolResult result) {
        answer.toolResult(result);
      } else if (event instanceof AudioFrame frame) {
        if (audio != null) {
          audio.write(frame);
        }
      } else if (event.terminal()) {
        end.complete(event);
      }
    });
    TurnEvent last;
    holdLogs();
    try {
      try {
        current = pipeline.start(request, listener);
      } catch (InvalidRequestException | IllegalStateException e) {
        printError("chat: " + e.getMessage());
        return EXIT_USAGE;
      }
      last = end.join();
      current = null;
      answer.finish(); // the answer's line ends here; a turn that printed nothing leaves no blank line
    } finally {
      releaseLogs();
    }
    if (last instanceof TurnResult result) {
      Optional<Path> file;
      try {
        file = audio == null ? Optional.empty() : audio.endTurn();
      } catch (WavFileOutput.CannotWrite e) {
        err.println(metricsLine(result));
        printError(cannotWrite(e));
        return EXIT_UNREADABLE_FILE;
      }
      err.println(metricsLine(result));
      file.ifPresent(f -> err.println("audio: " + f.toAbsolutePath()));
      if (!result.speechFailures().isEmpty()) {
        printError("speech failed for " + result.speechFailures().size() + " of " + chunks(result.metrics().chunks())
            + ": " + result.speechFailures().get(0).error().getMessage());
      }
      return EXIT_OK;
    }
    if (audio != null) {
      audio.abortTurn();
    }
    if (last instanceof TurnCancelled) {
      err.println("[interrupted]");
      // a cut-short answer is no success: one-shot mode exits with this; the chat loop goes on
      return EXIT_INTERRUPTED;
    }
    OfficeHoursException error = ((TurnFailed) last).error();
    printError("chat: " + describe(error));
    return exitCode(error);
  }

  private void holdLogs() {
    if (logs != null) {
      logs.hold();
    }
  }

  private void releaseLogs() {
    if (logs != null) {
      logs.release();
    }
  }

  /** The one line after each turn: TTFT, TTFA, total, chunks, cache hits, and tool calls if any. */
  static String metricsLine(TurnResult result) {
    TurnMetrics m = result.metrics();
    return m.speechToText().map(d -> "STT " + ms(d) + " | ").orElse("")
        + String.format(Locale.ROOT, "TTFT %s | TTFA %s | total %s | %s | cache hits %d/%d%s%s",
        m.timeToFirstToken().map(ChatCli::ms).orElse("-"), m.timeToFirstAudio().map(ChatCli::ms).orElse("-"),
        ms(m.total()), chunks(m.chunks()), m.ttsCacheHits(), m.chunks(),
        m.toolCalls() == 0 ? "" : " | " + m.toolCalls() + (m.toolCalls() == 1 ? " tool call, " : " tool calls, ")
            + ms(m.toolTime()),
        result.answerFromCache() ? " (answer from cache)" : "");
  }

  /** The MIME type of a recording, from its file name; WAV unless the extension says otherwise. */
  static String audioType(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "";
    return switch (ext) {
      case "mp3" -> "audio/mpeg";
      case "ogg", "oga", "opus" -> "audio/ogg";
      case "webm" -> "audio/webm";
      case "flac" -> "audio/flac";
      case "m4a", "mp4" -> "audio/mp4";
      default -> "audio/wav";
    };
  }

  private static String chunks(int n) {
    return n + (n == 1 ? " chunk" : " chunks");
  }

  private static String ms(Duration d) {
    long millis = d.toMillis();
    return millis < 10_000 ? millis + " ms" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  private String describe(OfficeHoursException e) {
    if (isConnectionFailure(e)) {
      return "cannot connect to " + shownBaseUrl + " (" + reason(rootCause(e)) + "): is the server running and the URL "
          + "right? (--base-url or OPENAI_BASE_URL)";
    }
    if (e instanceof ProviderException p && p.status().isPresent()
        && (p.status().getAsInt() == 401 || p.status().getAsInt() == 403)) {
      return "the server at " + shownBaseUrl + " refused the API key (HTTP " + p.status().getAsInt()
          + p.errorCode().map(c -> ", " + c).orElse("") + "): check OPENAI_API_KEY";
    }
    return "the turn failed: " + e.getMessage();
  }

  static int exitCode(OfficeHoursException e) {
    if (isConnectionFailure(e)) {
      return EXIT_CONNECTION;
    }
    if (e instanceof ProviderException p && p.status().isPresent()
        && (p.status().getAsInt() == 401 || p.status().getAsInt() == 403)) {
      return EXIT_AUTH;
    }
    if (e instanceof InvalidRequestException) {
      return EXIT_USAGE;
    }
    return EXIT_TURN_FAILED;
  }

  private static boolean isConnectionFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException || c instanceof UnknownHostException || c instanceof NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static String cannotWrite(WavFileOutput.CannotWrite e) {
    IOException cause = e.getCause();
    String why = cause instanceof java.nio.file.FileAlreadyExistsException
        || cause instanceof java.nio.file.NotDirectoryException ? "not a directory" : reason(cause);
    return "chat: cannot write audio to " + e.dir() + ": " + why;
  }

  private static String reason(Throwable e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof UnknownHostException) {
      return "unknown host " + e.getMessage();
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static AudioFormat format(String name) {
    try {
      return switch (AudioFormat.Encoding.fromWireName(name)) {
        case PCM_S16LE -> AudioFormat.PCM_24K;
        case WAV -> AudioFormat.WAV;
        case MP3 -> AudioFormat.MP3;
        case OPUS -> AudioFormat.OPUS;
      };
    } catch (IllegalArgumentException e) {
      throw new UsageException("--format: " + e.getMessage());
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private void closeAll() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (audio != null && !resources.contains(audio)) {
      audio.close();
    }
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        // shutting down: nothing useful to do
      }
    }
    resources.clear();
  }

  /**
   * Ctrl-C: cancels the answer in flight (barge-in); at the prompt, or twice within two seconds,
   * exits with 130. Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK),
   * reached by reflection so the build stays free of proprietary-API warnings: a shutdown hook
   * cannot keep the program running, a signal handler can.
   */
  private void installCtrlC() {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object sigint = signalClass.getConstructor(String.class).newInstance("INT");
      Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
          (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
              onCtrlC();
              yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "ChatCli Ctrl-C handler";
          });
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sigint, handler);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // no such API, or the JVM reserves SIGINT (-Xrs): Ctrl-C then simply ends the program
    }
  }

  private void onCtrlC() {
    long now = System.nanoTime();
    Turn turn = current;
    boolean twice = lastInterrupt != 0 && now - lastInterrupt < DOUBLE_CTRL_C_NANOS;
    lastInterrupt = now;
    if (turn != null && !twice && turn.cancel()) {
      if (audio != null) {
        audio.abortTurn();
      }
      return;
    }
    err.println();
    releaseLogs();
    System.exit(EXIT_INTERRUPTED);
  }

  /** The flags, for {@code --help}. */
  static String usage() {
    return String.join("\n",
        "Usage: chat [flags]",
        "",
        "Chat in the terminal: the answer streams as text and plays through the sound card.",
        "Without OPENAI_API_KEY and OPENAI_BASE_URL (or with --demo) a simulated model and the offline",
        "FreeTTS voice answer: demo mode.",
        "",
        "  --base-url URL     OpenAI-compatible API root (default: OPENAI_BASE_URL or https://api.openai.com/v1);",
        "                     its query parameters (?api-version=...) are sent with every request",
        "  --model NAME       chat model (default: OPENAI_MODEL or gpt-4o-mini)",
        "  --voice NAME       TTS voice (default alloy)",
        "  --format F         pcm (default), wav, mp3 or opus; mp3/opus are written to files, not played",
        "  --system TEXT      system prompt",
        "  --session ID       conversation id (default cli)",
        "  --text \"...\"       ask one question, print the answer, exit (scriptable)",
        "  --image FILE       send an image with the (first) question: a vision turn",
        "  --audio FILE       ask the question spoken in FILE (WAV; .mp3 .ogg .webm .flac .m4a by name): it is",
        "                     transcribed, the transcript printed as [you said] ..., then answered; then exits",
        "  --stt-model NAME   speech-to-text model for --audio (default: OPENAI_STT_MODEL or gpt-4o-mini-transcribe)",
        "  --out DIR          write each answer's audio to DIR/turn-N.wav instead of playing it",
        "  --no-audio         text only",
        "  --demo             demo mode even when OPENAI_API_KEY is set",
        "  --redis URI        history, TTS cache and answer cache in Redis (redis://host:6379)",
        "  --no-cache         no TTS or answer cache (default: both in memory)",
        "  --help, -h         this text",
        "",
        "Ctrl-C interrupts an answer; twice (or at the prompt) exits.",
        "Exit codes: 0 ok, 2 usage or invalid request, 3 cannot connect (server or Redis), 4 API key refused,",
        "            5 turn failed, 6 unreadable file, 130 interrupted.");
  }
}
