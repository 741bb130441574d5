package dev.banger.bench;

import dev.banger.disk.copy.FileCloner;
import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.E2fsTools;
import dev.banger.ext4.Ext4Edit;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * disk-service's figures (issue #3), each beside a baseline measured in the same run:
 *
 * <ol>
 *   <li>work disk from a 512 MiB work-seed grown to 8 GiB (clone + e2fsck -fp + resize2fs) —
 *       baseline: {@code mkfs.ext4} of an empty 8 GiB work disk (the no-seed path);
 *   <li>rootfs overlay of a 1 GiB rootfs: sparse copy vs. {@code cp --sparse=always} of the same
 *       file; reflink on a loop-mounted XFS when root and mkfs.xfs allow; dm-snapshot when
 *       device-mapper exists (it does not on our machines);
 *   <li>10 guest files patched in one batch (probe + write) vs. 10 separate debugfs calls.
 * </ol>
 *
 * The calls are the library calls VmDisks/GuestFilePatcher make, without the RPC hop (a unary round
 * trip is ~0.1 ms, see UnaryRoundTripBench).
 *
 * <p>Usage: DiskBench [repetitions]
 */
public final class DiskBench {

  static final HostCommandRunner RUN = new HostCommandRunner();

  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "bgr-disk-bench-");
    try {
      run(dir, reps);
    } finally {
      RUN.run(Command.of("rm", "-rf", dir.toString()).build());
    }
  }

  static void run(Path dir, int reps) throws Exception {
    E2fsTools tools = new E2fsTools(RUN);
    Ext4Toolkit kit = new Ext4Toolkit(RUN, BlockDevicePolicy.fromProcess(), dir.resolve("scratch"));
    FileCloner cloner = new FileCloner();

    // Fixtures: a 512 MiB seed with ~20 MiB of dotfiles, a 1 GiB rootfs with ~400 MiB of data.
    Path seedStage = Files.createDirectories(dir.resolve("seed-stage"));
    fill(seedStage, 20, 1 << 20);
    Path seed = dir.resolve("seed.ext4");
    tools.mkfs(seed, 512L << 20, seedStage);
    Path rootStage = Files.createDirectories(dir.resolve("root-stage"));
    fill(rootStage, 400, 1 << 20);
    Files.createDirectories(rootStage.resolve("etc"));
    Path rootfs = dir.resolve("rootfs.ext4");
    tools.mkfs(rootfs, 1L << 30, rootStage);
    System.out.printf(
        "fixtures: seed 512 MiB (%d MiB allocated), rootfs 1 GiB (%d MiB allocated), %d reps%n",
        allocatedMiB(seed), allocatedMiB(rootfs), reps);

    System.out.println("== 1. work disk from a 512 MiB seed, grown to 8 GiB ==");
    double[] fromSeed = new double[reps];
    double[] mkfs = new double[reps];
    for (int i = 0; i < reps; i++) {
      Path w = dir.resolve("work" + i);
      long t0 = System.nanoTime();
      cloner.copy(seed, w, true);
      tools.grow(w, 8L << 30);
      fromSeed[i] = ms(t0);
      Path m = dir.resolve("mkfs" + i);
      t0 = System.nanoTime();
      tools.mkfs(m, 8L << 30, null);
      mkfs[i] = ms(t0);
      Files.delete(w);
      Files.delete(m);
    }
    report("work disk from seed (clone+fsck+resize)", fromSeed);
    report("baseline: mkfs.ext4 8 GiB (no seed)", mkfs);
    ratio("from seed / mkfs", fromSeed, mkfs);

    System.out.println("== 2. rootfs overlay of a 1 GiB rootfs ==");
    double[] sparse = new double[reps];
    double[] cp = new double[reps];
    for (int i = 0; i < reps; i++) {
      Path a = dir.resolve("ov-sparse" + i);
      Path b = dir.resolve("ov-cp" + i);
      dropCaches();
      long t0 = System.nanoTime();
      cloner.copy(rootfs, a, false);
      sparse[i] = ms(t0);
      dropCaches();
      t0 = System.nanoTime();
      check(Command.of("cp", "--sparse=always", rootfs.toString(), b.toString()).build());
      cp[i] = ms(t0);
      Files.delete(a);
      Files.delete(b);
    }
    report("sparse copy (SEEK_DATA + copy_file_range)", sparse);
    report("baseline: cp --sparse=always", cp);
    ratio("sparse copy / cp (target <= 1.2)", sparse, cp);
    reflink(dir, rootfs, cloner, reps);
    System.out.println(
        Files.exists(Path.of("/dev/mapper/control"))
            ? "dm-snapshot: device-mapper present, but the dm strategy is not built in this release"
            : "dm-snapshot: not measured — no device-mapper in this kernel (/dev/mapper/control missing)");

    System.out.println("== 3. patch 10 guest files ==");
    Path overlay = dir.resolve("patch.ext4");
    cloner.copy(rootfs, overlay, false);
    List<byte[]> contents = new ArrayList<>();
    for (int f = 0; f < 10; f++) {
      contents.add(("file " + f + "\n").repeat(20).getBytes());
    }
    // Untimed warm-up rounds first (both contenders run through the same JVM code paths), then
    // the timed ones; JIT compilation would otherwise land in the first timed rounds.
    int warm = 3;
    double[] batch = new double[reps];
    double[] separate = new double[reps];
    for (int i = -warm; i < reps; i++) {
      long t0 = System.nanoTime();
      Ext4Edit edit = new Ext4Edit();
      for (int f = 0; f < 10; f++) {
        edit.write("/etc/banger-" + (i + warm) + "-" + f, contents.get(f), 0, 0, 0644);
      }
      Ext4Image img = kit.open(overlay);
      kit.apply(img, edit);
      double b = ms(t0);
      t0 = System.nanoTime();
      for (int f = 0; f < 10; f++) {
        Path host = dir.resolve("host-" + f);
        Files.write(host, contents.get(f));
        String g = "/etc/sep-" + (i + warm) + "-" + f;
        check(
            Command.of("debugfs", "-w", "-f", "-", overlay.toString())
                .stdin(
                    "write "
                        + host
                        + " "
                        + g
                        + "\nsif "
                        + g
                        + " uid 0\nsif "
                        + g
                        + " gid 0\nsif "
                        + g
                        + " mode 0100644\n")
                .build());
      }
      double sep = ms(t0);
      if (i >= 0) {
        batch[i] = b;
        separate[i] = sep;
      }
    }
    report("one batch (probe + write)", batch);
    report("baseline: 10 separate debugfs calls", separate);
    ratio("separate / batch (target >= 5)", separate, batch);
    System.out.println(
        tools.isClean(overlay)
            ? "patched overlay: e2fsck -fn clean"
            : "patched overlay: NOT CLEAN");
  }

  static void reflink(Path dir, Path rootfs, FileCloner cloner, int reps) throws Exception {
    Path img = dir.resolve("xfs.img");
    Path mnt = Files.createDirectories(dir.resolve("xfs"));
    if (!Files.isExecutable(Path.of("/sbin/mkfs.xfs"))
        || !"root".equals(System.getProperty("user.name"))) {
      System.out.println(
          "reflink: not measured — needs root and mkfs.xfs (xfsprogs) for a loop-mounted XFS");
      return;
    }
    check(Command.of("truncate", "-s", "3G", img.toString()).build());
    check(Command.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1", img.toString()).build());
    check(Command.of("mount", "-o", "loop", img.toString(), mnt.toString()).build());
    try {
      Path base = mnt.resolve("rootfs.ext4");
      cloner.copy(rootfs, base, false);
      double[] t = new double[reps];
      for (int i = 0; i < reps; i++) {
        Path c = mnt.resolve("clone" + i);
        long t0 = System.nanoTime();
        FileCloner.Result r = cloner.copy(base, c, true);
        t[i] = ms(t0);
        if (r.method() != FileCloner.Method.REFLINK) {
          throw new IllegalStateException("expected a reflink on XFS, got " + r.method());
        }
        Files.delete(c);
      }
      report("reflink clone on XFS (target <= 100 ms)", t);
    } finally {
      check(Command.of("umount", mnt.toString()).build());
    }
  }

  static void fill(Path dir, int files, int bytesEach) throws Exception {
    SplittableRandom rnd = new SplittableRandom(42);
    byte[] buf = new byte[bytesEach];
    for (int f = 0; f < files; f++) {
      for (int i = 0; i < buf.length; i += 8) {
        long v = rnd.nextLong();
        for (int k = 0; k < 8 && i + k < buf.length; k++) {
          buf[i + k] = (byte) (v >>> (8 * k));
        }
      }
      try (OutputStream out = Files.newOutputStream(dir.resolve("f" + f))) {
        out.write(buf);
      }
    }
  }

  /**
   * Best effort: makes copies read from disk rather than the page cache for both contenders alike.
   */
  static void dropCaches() {
    try {
      RUN.run(Command.of("sync").build());
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
    } catch (Exception ignored) {
      // not root: both contenders then read from the page cache alike
    }
  }

  static long allocatedMiB(Path p) throws Exception {
    return Long.parseLong(
                check(Command.of("stat", "-c", "%b", p.toString()).build()).stdoutText().strip())
            * 512
        >> 20;
  }

  static CommandResult check(Command c) throws Exception {
    CommandResult r = RUN.run(c);
    if (!r.succeeded()) {
      throw new IllegalStateException(c.display() + ": " + r.stderrText());
    }
    return r;
  }

  static double ms(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  static void report(String what, double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    System.out.printf(
        "%-45s median %8.1f ms  (min %.1f, max %.1f)%n", what, median(xs), s[0], s[s.length - 1]);
  }

  static void ratio(String what, double[] a, double[] b) {
    System.out.printf("%-45s %.2f%n", "ratio " + what + ":", median(a) / median(b));
  }
}
