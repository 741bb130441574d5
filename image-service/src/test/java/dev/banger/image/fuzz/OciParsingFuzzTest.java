package dev.banger.image.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.banger.image.oci.Descriptor;
import dev.banger.image.oci.ImageConfig;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.Manifests;
import dev.banger.image.oci.MediaTypes;
import dev.banger.image.oci.RegistryException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes what a registry or a user hands the OCI client. Documents from a registry (manifests,
 * indexes, configs) either parse into checked values or are refused with a {@link
 * RegistryException} whose message holds no control character (registry text is quoted before it
 * reaches a message). Image references either parse or are refused with an {@link
 * IllegalArgumentException}; a parsed reference's canonical form parses back to it.
 *
 * <p>Seeds live in {@code src/test/resources/dev/banger/image/fuzz/OciParsingFuzzTestInputs/}.
 */
class OciParsingFuzzTest {

  /** The same bytes as an image manifest, as an index (and its platform pick) and as a config. */
  @FuzzTest
  void ociDocument(byte[] json) {
    try {
      Manifests.ImageManifest m = Manifests.image(json, "the manifest");
      assertTrue(MediaTypes.isImageConfig(m.config().mediaType()));
      for (Descriptor d : m.layers()) {
        assertNotNull(d.compression(), "only layers we can unpack: " + d.mediaType());
        assertTrue(d.size() >= 0);
      }
    } catch (RegistryException e) {
      assertOneLine(e);
    }
    try {
      List<Descriptor> entries = Manifests.indexEntries(json, "the index");
      entries.forEach(d -> assertTrue(d.size() >= 0));
      try {
        Descriptor d = Manifests.pickPlatform(entries, "the index");
        assertTrue(
            d.platform().equals(Manifests.WANTED_PLATFORM)
                || d.platform().startsWith(Manifests.WANTED_PLATFORM + "/"),
            d.platform());
      } catch (RegistryException e) {
        assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
        assertOneLine(e);
      }
    } catch (RegistryException e) {
      assertOneLine(e);
    }
    try {
      ImageConfig c = ImageConfig.parse(json, "the config");
      assertNotNull(c.platform());
      assertNotNull(c.diffIds());
    } catch (RegistryException e) {
      assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
      assertOneLine(e);
    }
  }

  /** A user-typed reference, decoded as UTF-8. */
  @FuzzTest
  void imageReference(byte[] input) {
    String s = new String(input, StandardCharsets.UTF_8);
    ImageReference r;
    try {
      r = ImageReference.parse(s);
    } catch (IllegalArgumentException e) {
      assertNoControlCharacters(e.getMessage());
      return;
    }
    assertNotNull(r.reference());
    assertEquals(r.registry().toLowerCase(java.util.Locale.ROOT), r.registry());
    assertEquals(r, ImageReference.parse(r.canonical()), "the canonical form parses back");
    try {
      assertEquals(r, ImageReference.parseChecked(s));
    } catch (RegistryException e) {
      throw new AssertionError("parse accepted what parseChecked refused", e);
    }
  }

  private static void assertOneLine(RegistryException e) {
    assertNotNull(e.kind());
    assertNoControlCharacters(e.getMessage());
  }

  private static void assertNoControlCharacters(String message) {
    assertFalse(
        message.chars().anyMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)),
        "control character in: " + message);
  }
}
