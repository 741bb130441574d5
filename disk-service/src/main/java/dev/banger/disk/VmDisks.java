package dev.banger.disk;

import dev.banger.api.disk.v1.Overlay;
import dev.banger.api.disk.v1.OverlayStrategy;
import dev.banger.api.disk.v1.WorkDisk;
import dev.banger.disk.copy.FileCloner;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-VM disks: the rootfs overlay and the work disk. Each is built under a hidden {@code .partial}
 * name, renamed into place, then recorded; a create that finds its own finished record returns it
 * (idempotent retry), and one that finds half-made state (a partial, a file without a record, a
 * record without a file) clears it and starts over. Removal is idempotent.
 */
final class VmDisks {

  private static final Logger LOG = LoggerFactory.getLogger(VmDisks.class);
  static final long MAX_DISK_BYTES = 1L << 40;
  static final String OVERLAY_FILE = "rootfs.ext4";
  static final String WORK_FILE = "work.ext4";

  private final PathGuard guard;
  private final DiskObjects store;
  private final Ext4Toolkit kit;
  private final FileCloner cloner;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  VmDisks(PathGuard guard, DiskObjects store, Ext4Toolkit kit, FileCloner cloner) {
    this.guard = guard;
    this.store = store;
    this.kit = kit;
    this.cloner = cloner;
  }

  Overlay createOverlay(String rawVmId, String rawBase, long requested) throws IOException {
    String vmId = PathGuard.vmId(rawVmId);
    Path base = guard.existingDiskSource("base_path", rawBase);
    Ext4Image baseImage = kit.open(base);
    long baseSize = Files.size(base);
    long size = requested == 0 ? baseSize : checkSize("size_bytes", requested);
    if (size < baseSize) {
      throw Errors.invalidArgument(
          "size_bytes",
          "size_bytes "
              + size
              + " is smaller than the base rootfs ("
              + baseSize
              + " bytes); ask for at least "
              + baseSize
              + " or 0 for the base's size");
    }
    return overlay(
        create(
            vmId,
            DiskObjects.Kind.OVERLAY,
            OVERLAY_FILE,
            base,
            size,
            partial -> {
              FileCloner.Result r = cloner.copy(baseImage.path(), partial, true);
              kit.tools().grow(partial, size);
              return r;
            }));
  }

  WorkDisk createWorkDisk(String rawVmId, String rawSeed, long requested) throws IOException {
    String vmId = PathGuard.vmId(rawVmId);
    if (requested == 0) {
      throw Errors.invalidArgument("size_bytes", "size_bytes is required for a work disk");
    }
    long size = checkSize("size_bytes", requested);
    Path seed = rawSeed.isEmpty() ? null : guard.existingDiskSource("seed_path", rawSeed);
    Ext4Image seedImage = seed == null ? null : kit.open(seed);
    long seedSize = seed == null ? 0 : Files.size(seed);
    if (seedSize > size) {
      throw Errors.invalidArgument(
          "size_bytes",
          "size_bytes "
              + size
              + " is smaller than the work-seed "
              + seed
              + " ("
              + seedSize
              + " bytes); ask for at least "
              + seedSize);
    }
    return workDisk(
        create(
            vmId,
            DiskObjects.Kind.WORK_DISK,
            WORK_FILE,
            seed,
            size,
            partial -> {
              if (seedImage == null) {
                kit.tools().mkfs(partial, size, null);
                return null;
              }
              FileCloner.Result r = cloner.copy(seedImage.path(), partial, true);
              kit.tools().grow(partial, size);
              return r;
            }));
  }

  /**
   * The one create flow of both kinds: under the VM's lock, reuse a finished object or build {@code
   * vms/<id>/<file>} (a null builder result means made by mkfs), then record it.
   */
  private DiskObjects.Row create(
      String vmId, DiskObjects.Kind kind, String file, Path source, long size, Builder b)
      throws IOException {
    return locked(
        vmId,
        () -> {
          Optional<DiskObjects.Row> done = reuse(vmId, kind, source, size);
          if (done.isPresent()) {
            return done.get();
          }
          Path dir = guard.vmDir(vmId);
          FileCloner.Result copy = build(dir, file, b);
          String strategy = copy == null ? "mkfs" : strategyColumn(copy.method());
          DiskObjects.Row row =
              new DiskObjects.Row(
                  vmId,
                  kind,
                  dir.resolve(file).toString(),
                  strategy,
                  size,
                  source == null ? null : source.toString());
          record(row);
          LOG.info(
              "{} of VM {} ({} bytes) made by {} from {} ({} bytes copied)",
              kind.column,
              vmId,
              size,
              strategy,
              source == null ? "nothing" : source,
              copy == null ? 0 : copy.bytesCopied());
          return row;
        });
  }

  void removeOverlay(String rawVmId) throws IOException {
    remove(PathGuard.vmId(rawVmId), DiskObjects.Kind.OVERLAY, OVERLAY_FILE);
  }

  void removeWorkDisk(String rawVmId) throws IOException {
    remove(PathGuard.vmId(rawVmId), DiskObjects.Kind.WORK_DISK, WORK_FILE);
  }

  /** What runs on a VM's recorded disks (overlay, work disk; either may be absent) while held. */
  @FunctionalInterface
  interface OnDisks<T> {
    T run(Optional<Path> overlay, Optional<Path> workDisk) throws IOException;
  }

  /**
   * Runs {@code body} on the recorded disks of a VM under that VM's lock, so neither is removed or
   * made again meanwhile (a snapshot's copy).
   */
  <T> T withDisks(String rawVmId, OnDisks<T> body) throws IOException {
    String vmId = PathGuard.vmId(rawVmId);
    return locked(
        vmId,
        () ->
            body.run(
                store.find(vmId, DiskObjects.Kind.OVERLAY).map(r -> Path.of(r.path())),
                store.find(vmId, DiskObjects.Kind.WORK_DISK).map(r -> Path.of(r.path()))));
  }

  /** What runs on a VM's work disk while it is held. */
  @FunctionalInterface
  interface OnWorkDisk<T> {
    T run(Path workDisk) throws IOException;
  }

  /**
   * Runs {@code body} on the recorded work disk of a VM, under that VM's lock, so the disk is
   * neither removed nor made again meanwhile. NOT_FOUND when the VM has no work disk yet.
   */
  <T> T withWorkDisk(String rawVmId, OnWorkDisk<T> body) throws IOException {
    String vmId = PathGuard.vmId(rawVmId);
    return locked(
        vmId,
        () -> {
          DiskObjects.Row row =
              store
                  .find(vmId, DiskObjects.Kind.WORK_DISK)
                  .orElseThrow(
                      () ->
                          Errors.of(
                              io.grpc.Status.NOT_FOUND.withDescription(
                                  "VM " + vmId + " has no work disk yet"),
                              "WORK_DISK_NOT_FOUND",
                              java.util.Map.of("vm_id", vmId)));
          return body.run(Path.of(row.path()));
        });
  }

  private void remove(String vmId, DiskObjects.Kind kind, String file) throws IOException {
    locked(
        vmId,
        () -> {
          Path dir = guard.vmsRoot().resolve(vmId);
          if (!Files.isSymbolicLink(dir)) {
            DiskInUse.refuseIfOpen(
                dir.resolve(file),
                kind == DiskObjects.Kind.OVERLAY ? "rootfs overlay" : "work disk");
            Files.deleteIfExists(dir.resolve(file));
            Files.deleteIfExists(PartialFile.partialOf(dir, file));
          }
          store.delete(vmId, kind);
          return null;
        });
  }

  /** The finished object when it exists and matches the request; clears any half-made state. */
  private Optional<DiskObjects.Row> reuse(
      String vmId, DiskObjects.Kind kind, Path source, long size) throws IOException {
    Optional<DiskObjects.Row> row = store.find(vmId, kind);
    if (row.isPresent() && Files.isRegularFile(Path.of(row.get().path()))) {
      DiskObjects.Row r = row.get();
      String src = source == null ? null : source.toString();
      // A disk copied from a snapshot is the VM's own from then on: its later starts name the
      // image's files (the snapshot may be gone), and get the disk they have.
      boolean same =
          java.util.Objects.equals(r.sourcePath(), src) || guard.isSnapshotDisk(r.sourcePath());
      if (same
          && (r.sizeBytes() == size
              || (kind == DiskObjects.Kind.OVERLAY && guard.isSnapshotDisk(r.sourcePath())))) {
        return row;
      }
      if (kind == DiskObjects.Kind.WORK_DISK && same && r.sizeBytes() < size) {
        return Optional.of(grown(r, size));
      }
      throw Errors.of(
          Status.ALREADY_EXISTS.withDescription(
              "VM "
                  + vmId
                  + " already has a "
                  + kind.column
                  + " made from "
                  + (r.sourcePath() == null ? "nothing (empty)" : r.sourcePath())
                  + " at "
                  + r.sizeBytes()
                  + " bytes; remove it first"),
          "DISK_EXISTS",
          Map.of("vm_id", vmId));
    }
    if (row.isPresent()) {
      LOG.warn("{} of VM {} is recorded but its file is gone; making it again", kind.column, vmId);
      store.delete(vmId, kind);
    }
    return Optional.empty();
  }

  /**
   * A kept work disk asked for at a larger size (vm set --disk-size, then a start): grown in place,
   * files kept: e2fsck, the file extended, resize2fs (offline; the VM is not running). A failure
   * leaves the disk at its recorded size, usable, and the next start tries again.
   */
  private DiskObjects.Row grown(DiskObjects.Row r, long size) throws IOException {
    Path file = Path.of(r.path());
    kit.tools().grow(file, size);
    store.setSize(r.vmId(), r.kind(), size);
    LOG.info(
        "{} of VM {} grown from {} to {} bytes", r.kind().column, r.vmId(), r.sizeBytes(), size);
    return new DiskObjects.Row(r.vmId(), r.kind(), r.path(), r.strategy(), size, r.sourcePath());
  }

  @FunctionalInterface
  private interface Builder {
    FileCloner.Result build(Path partial) throws IOException;
  }

  /**
   * Builds {@code dir/name} through {@code dir/.name.partial}; nothing is left behind on failure.
   */
  private static FileCloner.Result build(Path dir, String name, Builder b) throws IOException {
    Path target = dir.resolve(name);
    if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      LOG.warn("{} exists without a record (an interrupted create); replacing it", target);
      Files.delete(target);
    }
    return PartialFile.make(
        dir,
        name,
        partial -> {
          FileCloner.Result r = b.build(partial);
          PathGuard.giveToOwnerOf(dir, partial);
          return r;
        });
  }

  /**
   * Removes the {@code .partial} files a killed disk-service left in VM directories: no create is
   * under way at start-up, so each is a half-made disk nobody will finish.
   *
   * @return how many were removed
   */
  int removePartials() throws IOException {
    Path root = guard.vmsRoot();
    if (!Files.isDirectory(root)) {
      return 0;
    }
    int removed = 0;
    try (var dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir)) {
          continue;
        }
        for (String name : new String[] {OVERLAY_FILE, WORK_FILE}) {
          Path partial = PartialFile.partialOf(dir, name);
          if (Files.deleteIfExists(partial)) {
            LOG.info("removed {}, left by an interrupted create", partial);
            removed++;
          }
        }
      }
    }
    return removed;
  }

  private void record(DiskObjects.Row row) throws IOException {
    try {
      store.insert(row);
    } catch (RuntimeException e) {
      Files.deleteIfExists(Path.of(row.path()));
      throw e;
    }
  }

  static long checkSize(String field, long size) {
    if (size < 0 || size > MAX_DISK_BYTES) {
      throw Errors.invalidArgument(
          field,
          field
              + " "
              + Long.toUnsignedString(size)
              + " is out of range (at most "
              + MAX_DISK_BYTES
              + " bytes)");
    }
    if (size % 4096 != 0) {
      throw Errors.invalidArgument(field, field + " " + size + " is not a multiple of 4096");
    }
    if (size < dev.banger.ext4.E2fsTools.MIN_FS_BYTES) {
      throw Errors.invalidArgument(field, field + " " + size + " is below the 16 MiB minimum");
    }
    return size;
  }

  private static String strategyColumn(FileCloner.Method m) {
    return m == FileCloner.Method.REFLINK ? "reflink" : "sparse_copy";
  }

  private static OverlayStrategy strategy(String column) {
    return switch (column) {
      case "reflink" -> OverlayStrategy.OVERLAY_STRATEGY_REFLINK;
      case "sparse_copy" -> OverlayStrategy.OVERLAY_STRATEGY_SPARSE_COPY;
      case "dm_snapshot" -> OverlayStrategy.OVERLAY_STRATEGY_DM_SNAPSHOT;
      default -> OverlayStrategy.OVERLAY_STRATEGY_UNSPECIFIED;
    };
  }

  private static Overlay overlay(DiskObjects.Row r) {
    return Overlay.newBuilder()
        .setVmId(r.vmId())
        .setPath(r.path())
        .setStrategy(strategy(r.strategy()))
        .setSizeBytes(r.sizeBytes())
        .build();
  }

  private static WorkDisk workDisk(DiskObjects.Row r) {
    return WorkDisk.newBuilder()
        .setVmId(r.vmId())
        .setPath(r.path())
        .setSizeBytes(r.sizeBytes())
        .setFromSeed(r.sourcePath() != null)
        .setCloneStrategy(strategy(r.strategy()))
        .build();
  }

  @FunctionalInterface
  private interface Locked<T> {
    T run() throws IOException;
  }

  private <T> T locked(String vmId, Locked<T> body) throws IOException {
    ReentrantLock lock = locks.computeIfAbsent(vmId, k -> new ReentrantLock());
    lock.lock();
    try {
      return body.run();
    } finally {
      lock.unlock();
    }
  }
}
