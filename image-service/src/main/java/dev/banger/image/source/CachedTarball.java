package dev.banger.image.source;

import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.flatten.LayerStreams;
import dev.banger.image.oci.Digest;
import dev.banger.kit.ops.Cancellation;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Applies one tarball the blob cache holds (an OCI layer or a catalog bundle): its compression read
 * from its bytes, its uncompressed content checked against a diff_id when there is one.
 */
final class CachedTarball {

  private CachedTarball() {}

  /**
   * @param label what the flattener names in a refusal, e.g. "layer 2/3 (sha256:…)"
   * @param diffId the digest of the uncompressed content, or null when the source states none
   */
  static void apply(
      LayerFlattener flattener, Path file, String label, Digest diffId, BooleanSupplier cancel)
      throws Exception {
    try (InputStream in = LayerStreams.open(Files.newInputStream(file))) {
      if (diffId == null) {
        flattener.apply(in, label);
      } else {
        DiffIdCheck checked = new DiffIdCheck(in, diffId, label);
        flattener.apply(checked, label);
        checked.verify();
      }
    }
    Cancellation.check(cancel, "the pull was cancelled");
  }
}
