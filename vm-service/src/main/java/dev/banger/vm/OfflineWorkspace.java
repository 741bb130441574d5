package dev.banger.vm;

import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import dev.banger.ext4.Ext4Tree;
import dev.banger.ext4.GuestPath;
import dev.banger.vm.app.start.WorkDiskStep;
import dev.banger.vm.peers.PeerChannels;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.workspace.ChunkPipe;
import dev.banger.vm.workspace.TreeUpload;
import dev.banger.vm.workspace.WorkspaceSource;
import dev.banger.vm.workspace.WorkspaceTar;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * The offline prepare (docs/workspaces.md): a VM that has never started gets its workspace written
 * onto its work disk by disk-service (WriteWorkDiskTree: one debugfs batch), with no guest running,
 * no SSH and no encryption. The work disk is made here exactly as the first start would make it
 * (same seed, same size), so that start finds it and keeps it.
 */
final class OfflineWorkspace {

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OfflineWorkspace.class);

  private final PeerChannels peers;
  private final DiskPort disk;
  private final ImagePort images;
  private final Duration timeout;

  OfflineWorkspace(PeerChannels peers, DiskPort disk, ImagePort images, Duration timeout) {
    this.peers = peers;
    this.disk = disk;
    this.images = images;
    this.timeout = timeout;
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
        return "the path " + dev.banger.kit.text.Printable.quoted(rel, 120) + " " + why;
      }
    }
    return null;
  }

  WorkspaceTar.Written write(
      VmRecord v, WorkspaceSource src, long fileBytes, String guestPath, LongConsumer progress)
      throws IOException, InterruptedException {
    String id = v.id();
    long t0 = System.nanoTime();
    WorkDiskStep.make(disk, v, images.resolve(v.image(), v.kernel()));
    LOG.info(
        "work disk of {} made for its workspace in {} ms",
        v.name(),
        (System.nanoTime() - t0) / 1_000_000);
    // What the listing counted, with room for files that grow before they are read.
    long hint = fileBytes + fileBytes / 8 + (1 << 20);
    TreeUpload up =
        new TreeUpload(
            peers.diskStreaming(timeout.toSeconds()),
            id,
            diskPath(guestPath),
            hint,
            UUID.randomUUID().toString());
    WorkspaceTar.Written[] written = new WorkspaceTar.Written[1];
    try {
      // The tar is written on a thread of its own while this one hands it to gRPC (ChunkPipe).
      ChunkPipe.run(out -> written[0] = WorkspaceTar.write(src, out, progress), up);
    } catch (IOException | RuntimeException e) {
      StatusRuntimeException refused = up.refusal();
      up.abort(e);
      if (refused != null) {
        throw refused;
      }
      throw e;
    }
    WriteWorkDiskTreeResponse res = up.finish();
    LOG.info(
        "workspace of {} written offline to its work disk: {}",
        v.name(),
        res.toString().replace('\n', ' '));
    return written[0];
  }
}
