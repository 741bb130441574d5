package dev.banger.vm.app.workspace;

import dev.banger.ext4.Ext4Tree;
import dev.banger.ext4.GuestPath;
import dev.banger.kit.text.Printable;
import dev.banger.vm.app.start.WorkDiskStep;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.ports.WorkDiskTrees;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.workspace.WorkspaceSource;
import dev.banger.vm.workspace.WorkspaceTar;
import java.io.IOException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline prepare (docs/workspaces.md): a VM that has never started gets its workspace written
 * onto its work disk by disk-service (WriteWorkDiskTree: one debugfs batch), with no guest running,
 * no SSH and no encryption. The work disk is made here exactly as the first start would make it
 * (same seed, same size), so that start finds it and keeps it.
 */
public final class OfflineWorkspace {

  private static final Logger LOG = LoggerFactory.getLogger(OfflineWorkspace.class);

  private final DiskPort disk;
  private final ImagePort images;
  private final WorkDiskTrees trees;

  public OfflineWorkspace(DiskPort disk, ImagePort images, WorkDiskTrees trees) {
    this.disk = disk;
    this.images = images;
    this.trees = trees;
  }

  /** The work disk is mounted at /root: the guest's /root/repo is the disk's /repo. */
  static String diskPath(String guestPath) {
    return guestPath.substring("/root".length());
  }

  /** Why {@code src} cannot go through debugfs (a name it cannot carry), or null when it can. */
  static String problem(WorkspaceSource src, String guestPath) {
    GuestPath root = GuestPath.of(diskPath(guestPath));
    for (String rel : src.paths()) {
      String why = Ext4Tree.problem(root, rel);
      if (why != null) {
        return "the path " + Printable.quoted(rel, 120) + " " + why;
      }
    }
    return null;
  }

  WorkspaceTar.Written write(
      VmRecord v, WorkspaceSource src, long fileBytes, String guestPath, LongConsumer progress)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    WorkDiskStep.make(disk, v, images.resolve(v.image(), v.kernel()));
    LOG.info(
        "work disk of {} made for its workspace in {} ms",
        v.name(),
        (System.nanoTime() - t0) / 1_000_000);
    // What the listing counted, with room for files that grow before they are read.
    long hint = fileBytes + fileBytes / 8 + (1 << 20);
    WorkspaceTar.Written[] written = new WorkspaceTar.Written[1];
    String account =
        trees.write(
            v.id(),
            diskPath(guestPath),
            hint,
            out -> written[0] = WorkspaceTar.write(src, out, progress, true));
    LOG.info("workspace of {} written offline to its work disk: {}", v.name(), account);
    return written[0];
  }
}
