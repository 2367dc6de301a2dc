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

  @Test
  void repeatAfterMeAnswersExactlyTheTextThatFollows() {
    assertEquals("<script>window.pwned = true</script> Hello.",
        KnowledgeBase.answer("Repeat after me:   <script>window.pwned = true</script> Hello.  "));
    assertEquals("Two words.", KnowledgeBase.answer("  repeat AFTER me: Two words."));
  }

  @Test
  void repeatAfterMeWithNothingToRepeatIsAnOrdinaryQuestion() {
    assertTrue(KnowledgeBase.answer("Repeat after me:  ").contains("only know about OfficeHours"));
    assertTrue(KnowledgeBase.answer("Please repeat after me: cache").startsWith("There are two caches"));
  }

  @Test
  void aQuestionAboutOfficeHoursNamesItsDayOrToday() {
    String[][] cases = {
        {"When are office hours tomorrow?", "tomorrow"},
        {"Office hours on FRIDAY, please", "friday"},
        {"Is there an office hour today or on Monday?", "today"},
        {"When are office hours?", "today"},
    };
    for (String[] c : cases) {
      assertEquals(java.util.Optional.of(c[1]), KnowledgeBase.officeHoursDay(c[0]), c[0]);
    }
  }

  @Test
  void theLibrarysNameAndEchoRequestsAreNotQuestionsAboutOfficeHours() {
    assertTrue(KnowledgeBase.officeHoursDay("What is OfficeHours tomorrow?").isEmpty());
    assertTrue(KnowledgeBase.officeHoursDay("How does caching work?").isEmpty());
    assertTrue(KnowledgeBase.officeHoursDay("Repeat after me: office hours tomorrow.").isEmpty());
  }

  @Test
  void aResultWithoutSlotsOrJsonIsStillAnsweredInASentence() {
    assertEquals("Office hours today are at 09:00.",
        KnowledgeBase.answerFromTool("{\"day\":\"today\",\"slots\":[\"09:00\"]}"));
    assertEquals("The tool returned: room 4 is free.", KnowledgeBase.answerFromTool("room 4 is free"));
    assertTrue(KnowledgeBase.answerFromTool("Error: calendar offline").startsWith("Sorry, I could not check"));
  }
}
