package dev.banger.bench;

import dev.banger.image.testing.TarLayers;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The image {@link ImageBench} pulls: three gzip layers built deterministically (fixed seed, fixed
 * mtimes, so the same bytes and digests every run). Sizes are of the uncompressed tars; file
 * contents are half pseudo-random, half repeated text, so gzip gets about half of it.
 *
 * <ol>
 *   <li>~120 MiB: 300 directories, ~3000 files of 1–80 KiB; every 7th file and every 10th directory
 *       owned by 1000:1000; 40 setuid-root programs (04755) in {@code usr/bin}; a few symlinks;
 *   <li>~60 MiB: new files under {@code opt/app} (every 5th owned by 100:101) and 200 files of
 *       layer 1 overwritten;
 *   <li>~20 MiB: whiteouts of 100 layer-1 files and one whole directory, an opaque directory, and
 *       new files.
 * </ol>
 *
 * No device nodes: {@code umoci unpack --rootless} could not make them, so the baseline would be
 * doing less work than banger's pass.
 */
final class BenchImage {

  static final int DIRS = 300;

  private BenchImage() {}

  /** The three layer blobs, gzip-compressed, oldest first. */
  static List<byte[]> layers() {
    SplittableRandom rnd = new SplittableRandom(20261122L);
    List<byte[]> out = new ArrayList<>();
    out.add(layer1(rnd).build(TarLayers.Compression.GZIP));
    out.add(layer2(rnd).build(TarLayers.Compression.GZIP));
    out.add(layer3(rnd).build(TarLayers.Compression.GZIP));
    return out;
  }

  static String dir(int d) {
    return "usr/lib/pkg" + (d / 30) + "/sub" + d;
  }

  static String file(int d, int f) {
    return dir(d) + "/file" + f + ".bin";
  }

  private static TarLayers layer1(SplittableRandom rnd) {
    TarLayers l = TarLayers.layer();
    for (String d : new String[] {"usr", "usr/bin", "usr/lib", "etc", "home", "home/user"}) {
      l.dir(d, 0755, 0, 0);
    }
    for (int p = 0; p < DIRS / 30; p++) {
      l.dir("usr/lib/pkg" + p, 0755);
    }
    for (int d = 0; d < DIRS; d++) {
      l.dir(dir(d), 0755, d % 10 == 0 ? 1000 : 0, d % 10 == 0 ? 1000 : 0);
    }
    long total = 0;
    int n = 0;
    while (total < 120L << 20) {
      int size = 1024 + rnd.nextInt(80 << 10);
      boolean user = n % 7 == 0;
      l.file(
          file(n % DIRS, n / DIRS),
          content(rnd, size),
          user ? 0640 : 0644,
          user ? 1000 : 0,
          user ? 1000 : 0);
      total += size;
      n++;
    }
    for (int s = 0; s < 40; s++) {
      l.file("usr/bin/suid" + s, content(rnd, 16 << 10), 04755, 0, 0);
    }
    for (int s = 0; s < 20; s++) {
      l.symlink("usr/bin/link" + s, "../lib/pkg0/sub" + s + "/file0.bin");
    }
    l.file("home/user/.profile", "export PATH\n", 0644, 1000, 1000);
    return l;
  }

  private static TarLayers layer2(SplittableRandom rnd) {
    TarLayers l = TarLayers.layer().dir("opt", 0755).dir("opt/app", 0755, 100, 101);
    for (int d = 0; d < 20; d++) {
      l.dir("opt/app/mod" + d, 0755, 100, 101);
    }
    long total = 0;
    for (int f = 0; f < 200; f++) {
      int size = 4096 + rnd.nextInt(60 << 10);
      l.file(file(f, 1), content(rnd, size), 0644, 0, 0);
      total += size;
    }
    for (int n = 0; total < 60L << 20; n++) {
      int size = 4096 + rnd.nextInt(100 << 10);
      boolean app = n % 5 == 0;
      l.file(
          "opt/app/mod" + (n % 20) + "/data" + n,
          content(rnd, size),
          0644,
          app ? 100 : 0,
          app ? 101 : 0);
      total += size;
    }
    return l;
  }

  private static TarLayers layer3(SplittableRandom rnd) {
    TarLayers l = TarLayers.layer();
    for (int f = 0; f < 100; f++) {
      l.whiteout(file(DIRS - 1 - f, 2));
    }
    l.whiteout(dir(7)).opaque("opt/app/mod3").dir("var", 0755).dir("var/cache", 0755, 1000, 1000);
    long total = 0;
    for (int n = 0; total < 20L << 20; n++) {
      int size = 4096 + rnd.nextInt(80 << 10);
      l.file(
          (n % 2 == 0 ? "opt/app/mod3/new" : "var/cache/c") + n,
          content(rnd, size),
          0644,
          n % 3 == 0 ? 1000 : 0,
          n % 3 == 0 ? 1000 : 0);
      total += size;
    }
    return l;
  }

  /** Alternating 4 KiB blocks: pseudo-random bytes, then a repeated line (compressible). */
  private static byte[] content(SplittableRandom rnd, int size) {
    byte[] b = new byte[size];
    byte[] text =
        ("line " + rnd.nextInt(1000) + " of some compressible benchmark content\n").getBytes();
    for (int i = 0; i < size; i++) {
      if ((i >> 12) % 2 == 0) {
        if ((i & 7) == 0) {
          long v = rnd.nextLong();
          for (int k = 0; k < 8 && i + k < size; k++) {
            b[i + k] = (byte) (v >>> (8 * k));
          }
          i += 7;
        }
      } else {
        b[i] = text[i % text.length];
      }
    }
    return b;
  }
}
