package dev.banger.image.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.oci.Digest;
import dev.banger.image.oci.RegistryException;
import dev.banger.image.testing.TarLayers;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A layer's uncompressed bytes against its diff_id, through the real flattener. */
class DiffIdCheckTest {

  @TempDir Path dir;

  private void flattenAndVerify(byte[] tar, Digest want) throws Exception {
    LayerFlattener f =
        new LayerFlattener(
            Files.createDirectories(dir.resolve("root")), FlattenLimits.defaults(), 1000, 1000);
    DiffIdCheck checked = new DiffIdCheck(new ByteArrayInputStream(tar), want, "layer 1/1");
    f.apply(checked, "layer 1/1");
    checked.verify();
  }

  @Test
  void theWholeTarIsHashedEndPaddingIncluded() throws Exception {
    byte[] tar = TarLayers.layer().file("a", "x").file("b", "yy").build(TarLayers.Compression.NONE);
    flattenAndVerify(tar, Digest.sha256(tar));
  }

  @Test
  void anotherDigestIsAMismatchNamingBoth() {
    byte[] tar = TarLayers.layer().file("a", "x").build(TarLayers.Compression.NONE);
    Digest other = Digest.sha256("other".getBytes());
    RegistryException e = assertThrows(RegistryException.class, () -> flattenAndVerify(tar, other));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    assertTrue(
        e.getMessage().contains("unpacks to " + Digest.sha256(tar))
            && e.getMessage().contains("diff_id for it is " + other),
        e.getMessage());
  }

  @Test
  void aLayerThatGoesOnFarPastItsEndIsRefusedNotHashedForever() {
    byte[] tar = TarLayers.layer().file("a", "x").build(TarLayers.Compression.NONE);
    byte[] padded = java.util.Arrays.copyOf(tar, tar.length + (3 << 20));
    RegistryException e =
        assertThrows(
            RegistryException.class, () -> flattenAndVerify(padded, Digest.sha256(padded)));
    assertTrue(e.getMessage().contains("after its tar's end"), e.getMessage());
  }
}
