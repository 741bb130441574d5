package dev.banger.disk;

import dev.banger.api.disk.v1.BuildWorkSeedResponse;
import dev.banger.ext4.DirEntry;
import dev.banger.ext4.Ext4Edit;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.FileType;
import dev.banger.ext4.GuestPath;
import dev.banger.ext4.InodeInfo;
import dev.banger.ext4.Ownership;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds {@code <rootfs>.work-seed.ext4}: the image's {@code /root} in a small ext4 that each VM
 * clones and grows into its work disk (seed 001). No mount: the tree is walked and extracted with
 * debugfs, copied in by {@code mkfs.ext4 -d}, then every inode is stamped root:root with its mode
 * kept in one debugfs batch. Symlinks and special files are skipped and counted.
 *
 * <p>debugfs calls: one listing per directory level of {@code /root}, one {@code rdump}, one
 * ownership batch. Size: {@code 2 × used + 256 MiB}, at least 512 MiB, rounded up to 64 MiB.
 */
final class WorkSeedBuilder {

  private static final Logger LOG = LoggerFactory.getLogger(WorkSeedBuilder.class);
  static final long MIN_BYTES = 512L << 20;
  static final long SLACK_BYTES = 256L << 20;
  static final long ROUND_BYTES = 64L << 20;
  private static final GuestPath ROOT_HOME = GuestPath.of("/root");

  private final PathGuard guard;
  private final Ext4Toolkit kit;
  private final Path scratch;

  WorkSeedBuilder(PathGuard guard, Ext4Toolkit kit, Path scratch) {
    this.guard = guard;
    this.kit = kit;
    this.scratch = scratch;
  }

  static long seedSize(long usedBytes) {
    long size = Math.max(MIN_BYTES, usedBytes * 2 + SLACK_BYTES);
    long rem = size % ROUND_BYTES;
    return rem == 0 ? size : size + ROUND_BYTES - rem;
  }

  static Path seedPathFor(Path rootfs) {
    String name = rootfs.getFileName().toString();
    String stem = name.endsWith(".ext4") ? name.substring(0, name.length() - 5) : name;
    return rootfs.resolveSibling(stem + ".work-seed.ext4");
  }

  BuildWorkSeedResponse build(String rawRootfs) throws IOException {
    Path rootfs = guard.existingImageFile("rootfs_path", rawRootfs);
    if (rootfs.getFileName().toString().endsWith(".work-seed.ext4")) {
      throw dev.banger.kit.grpc.Errors.invalidArgument(
          "rootfs_path", rootfs + " is itself a work-seed");
    }
    Ext4Image image = kit.open(rootfs);
    Path seed = seedPathFor(rootfs);
    Files.createDirectories(scratch);
    Path stage = Files.createTempDirectory(scratch, "work-seed-");
    Path partial = seed.resolveSibling("." + seed.getFileName() + ".partial");
    try {
      Files.deleteIfExists(partial);
      Tree tree = walk(image);
      Path home = stage.resolve("root");
      if (tree.rootMode >= 0) {
        kit.extract(image, ROOT_HOME, stage);
        for (GuestPath link : tree.skipped) {
          // rdump recreates symlinks; the seed does not carry them (they would point into the
          // guest's rootfs from the work disk's point of view).
          Files.deleteIfExists(
              home.resolve(link.toString().substring(ROOT_HOME.toString().length() + 1)));
        }
      } else {
        Files.createDirectories(home);
      }
      long size = seedSize(tree.usedBytes);
      kit.tools().mkfs(partial, size, home);
      Ext4Image made = kit.open(partial);
      List<Ownership> owners = new ArrayList<>();
      for (Map.Entry<GuestPath, Integer> e : tree.kept) {
        owners.add(new Ownership(e.getKey(), 0, 0, e.getValue()));
      }
      kit.setOwnership(made, owners);
      kit.apply(
          made, new Ext4Edit().rootInode(0, 0, tree.rootMode >= 0 ? tree.rootMode & 07777 : 0700));
      PathGuard.giveToOwnerOf(rootfs, partial);
      Files.move(
          partial, seed, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      LOG.info(
          "work-seed {} built: {} bytes, {} files, {} symlinks and {} special files skipped",
          seed,
          size,
          tree.files,
          tree.symlinks,
          tree.specials);
      return BuildWorkSeedResponse.newBuilder()
          .setSeedPath(seed.toString())
          .setSizeBytes(size)
          .setFilesCopied(tree.files)
          .setSymlinksSkipped(tree.symlinks)
          .setSpecialFilesSkipped(tree.specials)
          .build();
    } finally {
      Files.deleteIfExists(partial);
      DirectoryTrees.delete(stage);
    }
  }

  /** What /root holds, read level by level (one debugfs listing batch per depth). */
  private static final class Tree {
    int rootMode = -1;
    long usedBytes;
    int files;
    int symlinks;
    int specials;

    /** Kept entries (paths inside the seed, i.e. relative to /root) with their full modes. */
    final List<Map.Entry<GuestPath, Integer>> kept = new ArrayList<>();

    /**
     * Guest paths of symlinks and special files, deleted from the extracted tree if rdump made
     * them.
     */
    final List<GuestPath> skipped = new ArrayList<>();
  }

  private Tree walk(Ext4Image image) {
    Tree t = new Tree();
    InodeInfo home = kit.stat(image, List.of(ROOT_HOME)).get(ROOT_HOME);
    if (home == null || !home.isDirectory()) {
      LOG.info("{} has no /root directory; the work-seed will be empty", image.path());
      return t;
    }
    t.rootMode = home.mode();
    Deque<GuestPath> level = new ArrayDeque<>(List.of(ROOT_HOME));
    while (!level.isEmpty()) {
      Map<GuestPath, List<DirEntry>> listing = kit.listAll(image, level);
      level = new ArrayDeque<>();
      for (Map.Entry<GuestPath, List<DirEntry>> dir : listing.entrySet()) {
        for (DirEntry e : dir.getValue()) {
          GuestPath p = dir.getKey().child(e.name());
          FileType type = e.type();
          if (type == FileType.DIRECTORY) {
            level.add(p);
            t.kept.add(Map.entry(inSeed(p), e.mode()));
          } else if (type == FileType.REGULAR) {
            t.files++;
            t.usedBytes += e.size();
            t.kept.add(Map.entry(inSeed(p), e.mode()));
          } else if (type == FileType.SYMLINK) {
            t.symlinks++;
            t.skipped.add(p);
          } else {
            t.specials++;
            t.skipped.add(p);
          }
        }
      }
    }
    return t;
  }

  private static GuestPath inSeed(GuestPath p) {
    return GuestPath.of(p.toString().substring(ROOT_HOME.toString().length()));
  }
}
