package dev.banger.image.ports;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Fetches the packages of banger's guest kit (busybox, dropbear and the libraries dropbear needs)
 * and puts their kept files into a directory (in production: Debian's, unpacked by mmdebstrap;
 * docs/guest-kit.md).
 */
public interface KitPackages {

  /** The Debian packages the kit is made of; their dependencies come with them. */
  String[] PACKAGES = {"busybox-static", "dropbear-bin"};

  /**
   * @param tree an empty directory to fill ({@code bin/}, {@code sbin/}, {@code lib/})
   * @param work an empty scratch directory of the caller's
   */
  void fetch(
      CatalogEntry.Debian suite, Path tree, Path work, StageProgress p, BooleanSupplier cancelled)
      throws Exception;
}
