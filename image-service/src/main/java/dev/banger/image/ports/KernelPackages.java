package dev.banger.image.ports;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Fetches a distribution's kernel package and unpacks its kernel, initrd and modules into a work
 * directory (in production: Debian's, installed by apt inside mmdebstrap).
 */
public interface KernelPackages {

  /** Stages this port reports, in order, before the import's own. */
  String[] STAGES = {"bootstrap", "unpack"};

  /**
   * The files fetched, all inside the work directory.
   *
   * @param modules the {@code lib/modules/<release>} tree
   */
  record Fetched(Path kernel, Path initrd, Path modules, String release) {}

  /**
   * @param work an empty directory of the caller's, deleted by the caller afterwards
   */
  Fetched fetch(CatalogEntry.Debian suite, Path work, StageProgress p, BooleanSupplier cancelled)
      throws Exception;
}
