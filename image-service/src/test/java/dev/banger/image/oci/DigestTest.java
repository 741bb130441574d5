package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {

  static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

  @Test
  void sha256OfKnownBytes() {
    Digest d = Digest.sha256(HELLO);
    assertEquals(
        "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", d.toString());
    assertEquals(d, Digest.parse(d.toString()));
    assertEquals("2cf24dba5fb0", d.shortHex());
  }

  @Test
  void streamingHasherMatchesOneShotAndCountsBytes() {
    Digest want = Digest.sha256(HELLO);
    Digest.Hasher h = want.newHasher();
    h.update(HELLO, 0, 2);
    h.update(HELLO, 2, 3);
    assertEquals(5, h.count());
    assertEquals(want, h.digest());
    assertTrue(want.matches(HELLO));
    assertFalse(want.matches("hellO".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void sha512IsSupported() {
    Digest.Hasher h = Digest.newHasher("sha512");
    h.update(HELLO, 0, HELLO.length);
    Digest d = h.digest();
    assertEquals(128, d.hex().length());
    assertTrue(d.matches(HELLO));
  }

  @Test
  void refusesMalformedDigests() {
    for (String bad :
        new String[] {
          "",
          "sha256",
          ":" + "a".repeat(64),
          "sha256:" + "a".repeat(63),
          "sha256:" + "A".repeat(64),
          "sha256:" + "g".repeat(64),
          "sha512:" + "a".repeat(64),
          "md5:" + "a".repeat(32),
          "sha256:" + "a".repeat(64) + "\n"
        }) {
      assertThrows(IllegalArgumentException.class, () -> Digest.parse(bad), bad);
    }
  }
}
