package dev.banger.kit.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressCallTest {

  @Test
  void percentCountsStagesEquallyAndBytesWithinAStage() {
    assertEquals(0.0, ProgressCall.percent(0, 4, 0, 0));
    assertEquals(25.0, ProgressCall.percent(1, 4, 0, 0));
    assertEquals(37.5, ProgressCall.percent(1, 4, 50, 100));
    assertEquals(50.0, ProgressCall.percent(1, 4, 150, 100), "never past the stage's share");
    assertEquals(75.0, ProgressCall.percent(3, 4, 0, 0), "the last stage begun");
    assertEquals(-1.0, ProgressCall.percent(-1, 4, 0, 0), "a stage not in the list");
    assertEquals(-1.0, ProgressCall.percent(0, 0, 0, 0), "no stage list");
  }
}
