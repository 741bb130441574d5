package dev.banger.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class GuestPathTest {

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("", "is empty"),
        Arguments.of("etc/hostname", "not absolute"),
        Arguments.of("./etc", "not absolute"),
        Arguments.of("~/x", "not absolute"),
        Arguments.of(" /etc", "not absolute"),
        Arguments.of("/etc/../root", "'..' component"),
        Arguments.of("/..", "'..' component"),
        Arguments.of("/etc/..", "'..' component"),
        Arguments.of("/./etc", "'.' component"),
        Arguments.of("/etc/.", "'.' component"),
        Arguments.of("//etc", "empty component"),
        Arguments.of("/etc//hosts", "empty component"),
        Arguments.of("/etc/", "empty component"),
        Arguments.of("/a\"b", "contains \""),
        Arguments.of("/a\nrm /etc/passwd", "U+000A"),
        Arguments.of("/a\rb", "U+000D"),
        Arguments.of("/a\tb", "U+0009"),
        Arguments.of("/a\u0000b", "U+0000"),
        Arguments.of("/a\u001bb", "U+001B"),
        Arguments.of("/a\u007fb", "U+007F"),
        Arguments.of("/a\u0085b", "U+0085"),
        Arguments.of("/a\ud800b", "unpaired surrogate"),
        Arguments.of("/" + "x".repeat(256), "longer than 255"),
        Arguments.of("/" + "ü".repeat(128), "longer than 255"),
        Arguments.of(("/" + "d".repeat(200)).repeat(21), "longer than 4095"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("rejected")
  void rejects(String raw, String why) {
    Ext4Exception e = assertThrows(Ext4Exception.class, () -> GuestPath.of(raw));
    assertEquals(Ext4Exception.Kind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "message must be one line: " + e.getMessage());
  }

  @Test
  void rejectsNull() {
    assertThrows(Ext4Exception.class, () -> GuestPath.of(null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/",
        "/etc",
        "/etc/a b",
        "/x#y$z;'q",
        "/$(reboot)",
        "/`id`",
        "/a|b&c>d<e",
        "/ünï/кириллица",
        "/-rf",
        "/<2>",
        "/.hidden",
        "/a..b",
        "/...",
        "/😀",
        "/a\\x2db.slice",
        "/trailing\\"
      })
  void acceptsAndQuotes(String raw) {
    GuestPath p = GuestPath.of(raw);
    assertEquals('"' + raw + '"', p.quoted());
  }

  @Test
  void navigation() {
    GuestPath p = GuestPath.of("/etc/ssh/sshd_config.d/99-banger.conf");
    assertEquals("99-banger.conf", p.name());
    assertEquals(GuestPath.of("/etc/ssh/sshd_config.d"), p.parent());
    assertEquals(
        List.of(
            GuestPath.of("/etc"), GuestPath.of("/etc/ssh"), GuestPath.of("/etc/ssh/sshd_config.d")),
        p.ancestors());
    assertEquals(4, p.depth());
    assertEquals(GuestPath.ROOT, GuestPath.of("/etc").parent());
    assertEquals(GuestPath.of("/etc/hosts"), GuestPath.of("/etc").child("hosts"));
    assertThrows(Ext4Exception.class, () -> GuestPath.of("/etc").child("../x"));
  }

  /** Found by GuestPathFuzzTest: child("a/b") used to return /a/b, two levels down. */
  @ParameterizedTest
  @ValueSource(strings = {"ssh/sshd_config", "/hosts", "hosts/", ""})
  void childIsOneComponent(String name) {
    Ext4Exception e = assertThrows(Ext4Exception.class, () -> GuestPath.of("/etc").child(name));
    assertEquals(Ext4Exception.Kind.INVALID_ARGUMENT, e.kind());
    assertThrows(Ext4Exception.class, () -> GuestPath.ROOT.child(name));
  }

  @Test
  void childRefusesNull() {
    assertThrows(Ext4Exception.class, () -> GuestPath.ROOT.child(null));
  }
}
