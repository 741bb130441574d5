package dev.banger.vm.app.snapshot;

import dev.banger.kit.state.DirectoryTrees;
import dev.banger.vm.app.VmNames;
import dev.banger.vm.ports.SnapshotDiskPort;
import dev.banger.vm.store.SnapshotStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start-up, before any snapshot can be under way: a snapshot directory without a row is what a
 * vm-service killed mid-snapshot left (the row is written last), so its saved state and disk copies
 * go. Directories whose names are not snapshot ids are not banger's and are left alone.
 */
public final class SnapshotSweep {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSweep.class);

  private final Path root;
  private final SnapshotStore store;
  private final SnapshotDiskPort disks;

  public SnapshotSweep(Path root, SnapshotStore store, SnapshotDiskPort disks) {
    this.root = root;
    this.store = store;
    this.disks = disks;
  }

  /** The ids of the directories without a row: found now, removed by {@link #remove}. */
  public List<String> orphans() throws Exception {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.sorted().toList()) {
        String id = d.getFileName().toString();
        if (VmNames.UUID.matcher(id).matches()
            && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)
            && store.find(id).isEmpty()) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /**
   * Removes each orphan: vm-service's {@code state/}, then disk-service's copies and the directory.
   * disk-service may still be starting ({@code bangerd --all} starts the services side by side), so
   * each is tried {@code attempts} times {@code pauseMillis} apart; one that still fails is logged
   * and left for the next start.
   */
  public void remove(List<String> orphans, int attempts, long pauseMillis)
      throws InterruptedException {
    for (String id : orphans) {
      for (int attempt = 1; ; attempt++) {
        try {
          DirectoryTrees.empty(root.resolve(id).resolve(SaveStateStep.STATE_DIR));
          disks.remove(id);
          LOG.info("removed snapshot directory {}, left by a snapshot that did not finish", id);
          break;
        } catch (Exception e) {
          if (attempt >= attempts) {
            LOG.warn("snapshot directory {} without a record not removed: {}", id, e.getMessage());
            break;
          }
          Thread.sleep(pauseMillis);
        }
      }
    }
  }
}
