package dev.banger.image.ports;

import java.nio.file.Path;

/**
 * Builds the work-seed next to a rootfs: the small ext4 image a VM's work disk starts from. In
 * production disk-service builds it (it owns every offline ext4 edit).
 */
public interface WorkSeeds {

  /** The seed built for {@code rootfs}; fails with the use cases' own problem when unreachable. */
  Path seed(Path rootfs);
}
