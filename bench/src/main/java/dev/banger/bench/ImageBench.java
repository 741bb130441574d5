package dev.banger.bench;

import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.E2fsTools;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.image.build.GuestPieces;
import dev.banger.image.build.RootfsBuilder;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.flatten.LayerStreams;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.ResolvedImage;
import dev.banger.image.oci.TransportPolicy;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.process.Command;
import dev.banger.kit.state.DirectoryTrees;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ProxySelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * image-service's pull (issue #4): a 3-layer gzip image (~200 MiB of tar, see {@link BenchImage})
 * from a {@code docker-registry} on 127.0.0.1 to a finished rootfs ext4 with true owners.
 *
 * <ul>
 *   <li><b>banger</b>: the library calls of {@code PullPipeline} (resolve, fetch into the blob
 *       cache, flatten, guest pieces, {@code mkfs.ext4 -d}, one debugfs ownership pass), built as
 *       {@code ImageService.start} builds them. Not run: the work-seed (a disk-service RPC) and the
 *       publish (rename + SQLite row). Cold = empty blob cache; warm = blobs cached.
 *   <li><b>baseline</b> ({@link ShellPipeline}): {@code skopeo copy} to an OCI layout, {@code umoci
 *       unpack --rootless}, {@code mkfs.ext4 -d} of the same size and options, and one {@code
 *       debugfs -w -f script} restoring owners. Cold = fresh OCI dir; warm = the OCI dir already
 *       holds the blobs.
 * </ul>
 *
 * Each round runs banger cold, banger warm, baseline cold, baseline warm; medians are printed. The
 * page cache is not dropped: the registry's blobs are hot for both sides alike.
 *
 * <p>Usage: ImageBench [rounds]
 */
public final class ImageBench {

  static final String REPO = "bench/image";
  static final String TAG = "v1";

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "bgr-image-bench-");
    try {
      long t0 = System.nanoTime();
      List<byte[]> layers = BenchImage.layers();
      long compressed = layers.stream().mapToLong(b -> b.length).sum();
      try (TestRegistry reg = TestRegistry.start(dir.resolve("registry"))) {
        reg.pushImage(REPO, TAG, layers, TarLayers.Compression.GZIP.mediaType());
        layers = null; // let the heap go before timing
        System.out.printf(
            "image: 3 gzip layers, %d MiB compressed, built and pushed to %s in %.1f s; %d rounds%n",
            compressed >> 20, reg.host(), DiskBench.ms(t0) / 1000, rounds);
        run(dir, reg.host(), rounds);
      }
    } finally {
      DiskBench.RUN.run(Command.of("rm", "-rf", dir.toString()).build());
    }
  }

  static void run(Path dir, String host, int rounds) throws Exception {
    ImageReference ref = ImageReference.parse(host + "/" + REPO + ":" + TAG);
    Ext4Toolkit kit =
        new Ext4Toolkit(
            DiskBench.RUN,
            BlockDevicePolicy.fromProcess(),
            Files.createDirectories(dir.resolve("scratch")));
    ShellPipeline shell = new ShellPipeline(new E2fsTools(DiskBench.RUN));
    double[] bCold = new double[rounds];
    double[] bWarm = new double[rounds];
    double[] pCold = new double[rounds];
    double[] pWarm = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      Path cache = dir.resolve("cache" + i);
      long t0 = System.nanoTime();
      Pulled cold = banger(kit, host, ref, cache, dir.resolve("b-cold" + i));
      bCold[i] = DiskBench.ms(t0);
      t0 = System.nanoTime();
      Pulled warm = banger(kit, host, ref, cache, dir.resolve("b-warm" + i));
      bWarm[i] = DiskBench.ms(t0);
      if (i == 0) {
        System.out.printf(
            "banger rootfs: %d MiB, %d owners/modes restored; e2fsck -fn %s; owners as the layers say: %s%n",
            cold.size >> 20,
            cold.fixes,
            kit.tools().isClean(cold.rootfs) ? "clean" : "NOT CLEAN",
            shell.sameOwners(cold.rootfs, cold.owners));
      }
      Files.delete(cold.rootfs);
      Files.delete(warm.rootfs);
      DiskBench.RUN.run(Command.of("rm", "-rf", cache.toString()).build());

      Path oci = dir.resolve("oci" + i);
      t0 = System.nanoTime();
      ShellPipeline.Result pc = shell.pull(host, oci, dir.resolve("p-cold" + i), cold.size);
      pCold[i] = DiskBench.ms(t0);
      t0 = System.nanoTime();
      ShellPipeline.Result pw = shell.pull(host, oci, dir.resolve("p-warm" + i), cold.size);
      pWarm[i] = DiskBench.ms(t0);
      if (i == 0) {
        System.out.printf(
            "baseline rootfs: %d debugfs owner lines (%d entries); e2fsck -fn %s; "
                + "same owners and modes as banger's: %s%n",
            pc.scriptLines(),
            pc.entries(),
            kit.tools().isClean(pc.rootfs()) ? "clean" : "NOT CLEAN",
            shell.sameOwners(pc.rootfs(), warm.owners));
      }
      shell.clean(pc);
      shell.clean(pw);
      DiskBench.RUN.run(Command.of("rm", "-rf", oci.toString()).build());
      System.out.printf(
          "round %d: banger cold %.0f ms, warm %.0f ms; baseline cold %.0f ms, warm %.0f ms%n",
          i + 1, bCold[i], bWarm[i], pCold[i], pWarm[i]);
    }
    DiskBench.report("banger pull, cold cache", bCold);
    DiskBench.report("banger pull, warm cache", bWarm);
    DiskBench.report("baseline: skopeo+umoci+mkfs+debugfs, cold", pCold);
    DiskBench.report("baseline: skopeo+umoci+mkfs+debugfs, warm", pWarm);
    DiskBench.ratio("banger / baseline, cold", bCold, pCold);
    DiskBench.ratio("banger / baseline, warm", bWarm, pWarm);
  }

  /**
   * A rootfs built by banger's pipeline, with the owners it was asked to restore (for the check).
   */
  record Pulled(Path rootfs, long size, int fixes, FlattenResult owners) {}

  /**
   * resolve, fetch, flatten, guest pieces, mkfs.ext4 -d, ownership: PullPipeline.pull without seed
   * and publish.
   */
  static Pulled banger(Ext4Toolkit kit, String host, ImageReference ref, Path cacheDir, Path work)
      throws Exception {
    BlobCache cache = new BlobCache(cacheDir);
    LayerFetcher fetcher = new LayerFetcher(cache, 3);
    RootfsBuilder builder = new RootfsBuilder(kit, 1L << 30);
    try (RegistryClient client =
        RegistryClient.builder()
            .transport(TransportPolicy.withInsecureRegistries(Set.of(host)))
            .proxySelector(ProxySelector.of(null))
            .build()) {
      ResolvedImage image = client.resolve(ref);
      LayerFetcher.FetchedImage fetched =
          fetcher.fetch(image, client.blobs(ref), LayerFetcher.Listener.NONE);
      Path tree = Files.createDirectories(work.resolve("tree"));
      long uid = (Integer) Files.getAttribute(tree, "unix:uid");
      long gid = (Integer) Files.getAttribute(tree, "unix:gid");
      LayerFlattener flattener = new LayerFlattener(tree, FlattenLimits.defaults(), uid, gid);
      for (int i = 0; i < fetched.layers().size(); i++) {
        try (InputStream in = LayerStreams.open(Files.newInputStream(fetched.layers().get(i)))) {
          flattener.apply(in, "layer " + (i + 1));
        }
      }
      flattener.apply(new ByteArrayInputStream(GuestPieces.layer()), "banger guest pieces");
      FlattenResult flat = flattener.finish();
      Path rootfs = work.resolve("rootfs.ext4");
      long size = builder.sizeFor(flat, 0);
      builder.format(flat, rootfs, size);
      DirectoryTrees.delete(tree); // as PullPipeline does, before the ownership pass
      RootfsBuilder.Built built = builder.restoreOwnership(flat, rootfs, size);
      return new Pulled(rootfs, size, built.ownershipFixes(), flat);
    }
  }
}
