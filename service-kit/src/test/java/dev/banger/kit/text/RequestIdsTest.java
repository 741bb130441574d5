package dev.banger.kit.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RequestIdsTest {

  @Test
  void aUuidOrAnyPrintableWordIsAnIdAndTheRestIsNamed() {
    assertNull(RequestIds.problem(""));
    assertNull(RequestIds.problem("0b6f9a0e-2f3c-4c1e-9c55-1d0c2b8a7e11"));
    assertNull(RequestIds.problem("r".repeat(128)));
    assertNull(RequestIds.problem("retry#2:~!"));
    assertEquals(
        "request_id is 129 characters; at most 128 are allowed",
        RequestIds.problem("r".repeat(129)));
    assertEquals(
        "request_id may hold only printable ASCII without spaces; character 2 is U+0020",
        RequestIds.problem("a b"));
    assertEquals(
        "request_id may hold only printable ASCII without spaces; character 4 is U+000A",
        RequestIds.problem("abc\ndef"));
    assertEquals(
        "request_id may hold only printable ASCII without spaces; character 1 is U+00FC",
        RequestIds.problem("ünï"));
  }
}
