package dev.officehours.examples.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KnowledgeBaseTest {

  @Test
  void everyEntryAnswersItsOwnQuestion() {
    for (KnowledgeBase.Entry e : KnowledgeBase.entries()) {
      assertEquals(e.answer(), KnowledgeBase.answer(e.question()), e.question());
    }
  }

  @Test
  void aSpecificPhraseOutweighsAWordItContains() {
    assertTrue(KnowledgeBase.answer("What are your office hours?").startsWith("This is a demo"));
    assertTrue(KnowledgeBase.answer("What is OfficeHours?").startsWith("OfficeHours is an embeddable"));
    assertTrue(KnowledgeBase.answer("What is barge-in?").startsWith("Interrupting is called barge-in"));
  }

  @Test
  void anUnknownQuestionGetsThePoliteFallback() {
    assertTrue(KnowledgeBase.answer("Who won the match yesterday?").contains("only know about OfficeHours"));
  }
}
