package dev.banger.image.app;

import dev.banger.ext4.Ext4Toolkit;
import dev.banger.image.build.SparseCopy;
import dev.banger.image.ports.WorkSeeds;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.ops.CancelWatch;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * PromoteImage: copies a registered image's rootfs into {@code images/<id>/}, checks the copy,
 * builds its work-seed, then flips the row to managed. Like a pull, everything happens in {@code
 * images/.staging/<id>/} and appears by one rename and one row update, or not at all; the user's
 * file is only ever read.
 */
public final class ImagePromoter {

  public static final String[] STAGES = {"copy", "check", "seed", "publish"};

  private final Path imagesDir;
  private final Ext4Toolkit kit;
  private final WorkSeeds seeder;
  private final ImageStore store;

  public ImagePromoter(Path imagesDir, Ext4Toolkit kit, WorkSeeds seeder, ImageStore store) {
    this.imagesDir = imagesDir;
    this.kit = kit;
    this.seeder = seeder;
    this.store = store;
  }

  /** Called under the image name's lock; a managed image is returned as it is (a retry). */
  public ImageStore.ImageRow promote(
      ImageStore.ImageRow row, StageProgress l, BooleanSupplier cancelled) throws Exception {
    if (row.managed()) {
      return row;
    }
    Path source = Path.of(row.rootfsPath());
    FileTime before = modified(source);
    Path staging = imagesDir.resolve(".staging").resolve(row.id());
    Files.createDirectories(staging.getParent());
    DirectoryTrees.delete(staging);
    Files.createDirectory(
        staging,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path copy = staging.resolve("rootfs.ext4");
      l.stage("copy", "copying " + source, 0, row.rootfsBytes());
      long data =
          SparseCopy.copy(
              source,
              copy,
              (done, total) -> l.stage("copy", "copying " + source, done, total),
              cancelled);
      if (!modified(source).equals(before)) {
        throw new ImageProblem(
            ImageProblem.Kind.ABORTED,
            "ROOTFS_CHANGED",
            source
                + " changed while it was being copied; stop what"
                + " writes to it and promote again",
            Map.of("path", source.toString()));
      }
      l.stage("check", "e2fsck -fn on the copy (" + data + " bytes of data)", 0, 0);
      // e2fsck and disk-service's seed build cannot look at the flag: a cancel kills them.
      if (!CancelWatch.interruptOnCancel(cancelled, CANCELLED, () -> kit.tools().isClean(copy))) {
        throw new ImageProblem(
            ImageProblem.Kind.FAILED_PRECONDITION,
            "ROOTFS_NOT_CLEAN",
            "the copy of "
                + source
                + " is not a clean ext4"
                + " filesystem (was it changed since it was registered?); run 'e2fsck -fp "
                + source
                + "' and promote again",
            Map.of("path", source.toString()));
      }
      check(cancelled);
      l.stage("seed", "building the work-seed (disk-service)", 0, 0);
      Path seed = CancelWatch.interruptOnCancel(cancelled, CANCELLED, () -> seeder.seed(copy));
      check(cancelled);

      l.stage("publish", "moving the copy into the store", 0, 0);
      Path finalDir = imagesDir.resolve(row.id());
      DirectoryTrees.delete(finalDir); // a leftover of a promote that died before its row update
      Files.move(staging, finalDir, StandardCopyOption.ATOMIC_MOVE);
      Files.setPosixFilePermissions(finalDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      long bytes = Files.size(finalDir.resolve("rootfs.ext4"));
      if (!store.markPromoted(
          row.id(),
          finalDir.resolve("rootfs.ext4").toString(),
          bytes,
          finalDir.resolve(seed.getFileName()).toString())) {
        DirectoryTrees.delete(finalDir); // deleted (or promoted) meanwhile: the copy is nobody's
        throw new ImageProblem(
            ImageProblem.Kind.ABORTED,
            "IMAGE_CHANGED",
            "image \""
                + row.name()
                + "\" changed while it was being"
                + " promoted; look at it again",
            Map.of("name", row.name()));
      }
      return store.find(row.id()).orElseThrow();
    } finally {
      DirectoryTrees.delete(staging); // gone already when published
    }
  }

  private static FileTime modified(Path p) throws IOException {
    return Files.getLastModifiedTime(p);
  }

  private static final String CANCELLED = "the promote was cancelled";

  private static void check(BooleanSupplier cancelled) {
    Cancellation.check(cancelled, CANCELLED);
  }
}
