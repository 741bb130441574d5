package dev.banger.ext4.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.banger.ext4.Ext4Exception;
import dev.banger.ext4.GuestPath;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link GuestPath}'s contract (its class javadoc): any string is either refused with an
 * {@link Ext4Exception} of kind INVALID_ARGUMENT and a one-line message, or accepted as-is (no
 * normalising) as an absolute path debugfs can quote: no control character, no {@code "}, no
 * unpaired surrogate, no empty, {@code .} or {@code ..} component, components of at most 255 UTF-8
 * bytes and 4095 in all. Navigation ({@code parent}, {@code name}, {@code child}) stays consistent.
 *
 * <p>Seeds: {@code src/test/resources/dev/banger/ext4/fuzz/GuestPathFuzzTestInputs/}. Run in
 * fuzzing mode with {@code scripts/fuzz}; a plain build runs the seeds only.
 */
class GuestPathFuzzTest {

  /**
   * Each input is tried twice: decoded as UTF-8 (readable seeds, real names) and as raw UTF-16 code
   * units, which is the only way to reach unpaired surrogates.
   */
  @FuzzTest
  void guestPath(byte[] data) {
    check(new String(data, StandardCharsets.UTF_8));
    check(utf16(data));
  }

  private static void check(String raw) {
    GuestPath p;
    try {
      p = GuestPath.of(raw);
    } catch (Ext4Exception e) {
      assertRefusal(e);
      return;
    }
    assertAccepted(raw, p);
    // A name appended to an accepted path is validated as one component.
    if (!p.isRoot() && p.depth() > 1) {
      checkChild(GuestPath.ROOT, p.toString().substring(p.toString().lastIndexOf('/') + 1));
    }
    String tail = raw.substring(1);
    if (!tail.isEmpty()) {
      checkChild(GuestPath.ROOT, tail);
    }
  }

  /**
   * {@code child(name)} gives a path one level below {@code dir} named {@code name}, or refuses.
   */
  private static void checkChild(GuestPath dir, String name) {
    GuestPath c;
    try {
      c = dir.child(name);
    } catch (Ext4Exception e) {
      assertRefusal(e);
      return;
    }
    assertEquals(dir, c.parent(), "child(" + name + ") is one level below its parent");
    assertEquals(name, c.name());
    assertEquals(dir.depth() + 1, c.depth());
  }

  private static void assertRefusal(Ext4Exception e) {
    assertEquals(Ext4Exception.Kind.INVALID_ARGUMENT, e.kind());
    String m = e.getMessage();
    assertFalse(m.contains("\n") || m.contains("\r"), "one-line message: " + m);
  }

  private static void assertAccepted(String raw, GuestPath p) {
    assertEquals(raw, p.toString(), "accepted paths are kept verbatim");
    assertEquals('"' + raw + '"', p.quoted());
    assertTrue(raw.startsWith("/"), "absolute");
    assertTrue(raw.getBytes(StandardCharsets.UTF_8).length <= GuestPath.MAX_PATH_BYTES);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      assertFalse(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0), "control character");
      assertFalse(c == '"', "a double quote");
      if (Character.isHighSurrogate(c)) {
        assertTrue(i + 1 < raw.length() && Character.isLowSurrogate(raw.charAt(i + 1)));
        i++;
      } else {
        assertFalse(Character.isLowSurrogate(c), "unpaired low surrogate");
      }
    }
    if (p.isRoot()) {
      assertEquals("/", raw);
      assertEquals(0, p.depth());
      return;
    }
    String[] parts = raw.substring(1).split("/", -1);
    for (String part : parts) {
      assertFalse(part.isEmpty() || part.equals(".") || part.equals(".."), "component " + part);
      assertTrue(part.getBytes(StandardCharsets.UTF_8).length <= GuestPath.MAX_NAME_BYTES);
    }
    assertEquals(parts.length, p.depth());
    assertEquals(parts[parts.length - 1], p.name());
    assertEquals(parts.length - 1, p.ancestors().size());
    assertEquals(p.parent(), GuestPath.of(p.parent().toString()), "a parent is valid itself");
    assertEquals(p, p.parent().child(p.name()), "parent + name gives the path back");
  }

  private static String utf16(byte[] data) {
    char[] cs = new char[data.length / 2];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = (char) (((data[2 * i] & 0xff) << 8) | (data[2 * i + 1] & 0xff));
    }
    return new String(cs);
  }
}
