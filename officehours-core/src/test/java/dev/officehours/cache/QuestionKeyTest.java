package dev.officehours.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.officehours.llm.ChatMessage;
import dev.officehours.llm.ChatRequest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The answer cache's key: two questions that share a key share an answer, so only what never
 * changes a question's meaning may be normalised away.
 */
class QuestionKeyTest {
  private final AnswerCache cache = AnswerCache.builder(CaffeineCacheStore.create()).build();
  private final ScriptedLlm llm = new ScriptedLlm();

  private String key(String question) {
    ChatRequest request = ChatRequest.builder(List.of(
        ChatMessage.system("You are the front desk."), ChatMessage.user(question))).maxTokens(500).build();
    return cache.key(llm, request).orElseThrow();
  }

  /** Pairs that differ in meaning and must never share an answer. */
  static Stream<Arguments> differentQuestions() {
    return Stream.of(
        // operators
        Arguments.of("What is 3-1?", "What is 3+1?"),
        Arguments.of("What is 3-1?", "What is 31?"),
        Arguments.of("2+2", "2*2"),
        Arguments.of("2+2", "2/2"),
        Arguments.of("2^10", "2*10"),
        Arguments.of("x^2", "x2"),
        Arguments.of("1/2", "12"),
        Arguments.of("1:2", "12"),
        Arguments.of("is 5 < 3", "is 5 > 3"),
        Arguments.of("a <= b", "a = b"),
        Arguments.of("a && b", "a || b"),
        Arguments.of("x++", "x--"),
        // signs, decimal points, factorials, superscripts
        Arguments.of("What is -5 squared?", "What is 5 squared?"),
        Arguments.of("Is +1 more than -1?", "Is -1 more than +1?"),
        Arguments.of("Round 1.5", "Round 15"),
        Arguments.of("Round 1,5", "Round 15"),
        Arguments.of("What is 1e-3?", "What is 1e3?"),
        Arguments.of("What is 5!", "What is 5?"),
        Arguments.of("What is 5!!", "What is 5!"),
        Arguments.of("What is 2³?", "What is 23?"),
        Arguments.of("Area in m³", "Area in m²"),
        // currency and units
        Arguments.of("Convert $5", "Convert €5"),
        Arguments.of("Convert £5", "Convert 5"),
        Arguments.of("A 50% discount", "A 50 discount"),
        Arguments.of("Is 5°C cold?", "Is 5 C cold?"),
        Arguments.of("Is 5°C cold?", "Is 5°F cold?"),
        Arguments.of("Is -3°C cold?", "Is 3°C cold?"),
        Arguments.of("Is 5' tall?", "Is 5\" tall?"),
        // programming languages and names
        Arguments.of("Should I learn C++?", "Should I learn C#?"),
        Arguments.of("Should I learn C#?", "Should I learn C?"),
        Arguments.of("Should I learn F#?", "Should I learn F?"),
        Arguments.of("Is .NET free?", "Is NET free?"),
        Arguments.of("Rank #1", "Rank 1"),
        Arguments.of("Blood type A+?", "Blood type A-?"),
        // apostrophes, hyphens, emoji
        Arguments.of("Is it's a word?", "Is its a word?"),
        Arguments.of("Were we there?", "We're we there?"),
        Arguments.of("How do I re-cover a sofa?", "How do I recover a sofa?"),
        Arguments.of("I feel 😀", "I feel 😢"),
        Arguments.of("I feel 😀", "I feel"),
        Arguments.of("👍?", "👎?"),
        // a question made only of closing marks is not the empty question
        Arguments.of("?", "!"),
        Arguments.of("?", ""));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" vs \"{1}\"")
  @MethodSource("differentQuestions")
  void questionsThatDifferInMeaningNeverShareAKey(String a, String b) {
    assertNotEquals(key(a), key(b), () -> "both normalise to \"" + CacheKeys.normaliseQuestion(a) + "\"");
  }

  /** Spellings of one question: each must share its first spelling's key. */
  static Stream<Arguments> sameQuestion() {
    return Stream.of(
        Arguments.of("What are your office hours?", List.of(
            "what are your office hours?",
            "WHAT ARE YOUR OFFICE HOURS?",
            "What are your office hours",
            "What are your office hours.",
            "What are your office hours!",
            "What are your office hours?!",
            "What are your office hours??",
            "What are your office hours...",
            "What are your office hours…",
            "What are your office hours ?",
            "  What are your office hours?  ",
            "What  are\tyour\noffice hours?",
            "What are your office hours?\r\n",
            "What\u00A0are your office hours?",
            "What\u3000are your office hours?",
            "What are your office hours\uFF1F",
            "\uFF37\uFF48\uFF41\uFF54 are your office hours?")),
        Arguments.of("Where is the café?", List.of(
            "Where is the cafe\u0301?",
            "WHERE IS THE CAFÉ")),
        Arguments.of("What's the Wi-Fi password?", List.of(
            "What\u2019s the Wi-Fi password?",
            "what's the wi-fi password")),
        Arguments.of("¿Dónde está la biblioteca?", List.of(
            "Dónde está la biblioteca",
            "¿Do\u0301nde esta\u0301 la biblioteca?")),
        Arguments.of("What is 3+1?", List.of(
            "what is 3+1",
            "What is \uFF13\uFF0B\uFF11\uFF1F")),
        Arguments.of("What is 5!?", List.of(
            "What is 5!",
            "what is 5! ")),
        Arguments.of("Is C++ hard?", List.of(
            "is c++ hard",
            "Is C++ hard!")),
        Arguments.of("\u03A3 \u039F\u0394\u039F\u03A3", List.of("\u03C3 \u03BF\u03B4\u03BF\u03C2", "\u03A3 \u039F\u0394\u039F\u03A3?")));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("sameQuestion")
  void spellingsOfOneQuestionShareAKey(String question, List<String> variants) {
    for (String variant : variants) {
      assertEquals(key(question), key(variant), () -> "\"" + variant + "\" normalises to \""
          + CacheKeys.normaliseQuestion(variant) + "\", \"" + question + "\" to \""
          + CacheKeys.normaliseQuestion(question) + "\"");
    }
  }

  @Test
  void theTablesAreLargeEnoughToMeanSomething() {
    assertTrue(differentQuestions().count() >= 30);
    assertTrue(sameQuestion().mapToInt(a -> ((List<?>) a.get()[1]).size()).sum() >= 20);
  }

  @Test
  void theKeyVersionChangedWithTheNormalisation() {
    assertTrue(key("Hours?").startsWith("answer:v2:"), "answer:v1: keys were made by a recipe that dropped symbols");
  }
}
