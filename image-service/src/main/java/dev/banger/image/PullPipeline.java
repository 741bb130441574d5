package dev.banger.image;

import dev.banger.image.build.GuestPieces;
import dev.banger.image.build.ModulesLayer;
import dev.banger.image.build.RootfsBuilder;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.flatten.LayerStreams;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.RegistryException;
import dev.banger.image.oci.ResolvedImage;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.state.DirectoryTrees;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * One OCI pull, start to finish: resolve, fetch, flatten, build, ownership, seed, publish
 * (docs/image-service.md). Everything happens in {@code images/.staging/<id>/}; the image
 * appears by one rename and one row, or not at all.
 */
final class PullPipeline {

  static final String[] STAGES = {"resolve", "fetch", "flatten", "build", "ownership", "seed", "publish"};

  /** Where a pull reports to; {@code stage} is one of {@link #STAGES}. */
  interface Listener {
    void stage(String stage, String message, long done, long total);
  }

  /** Builds the work-seed next to a rootfs (disk-service in production). */
  interface Seeder {
    Path seed(Path rootfs);
  }

  private final Path imagesDir;
  private final FlattenLimits limits;
  private final RootfsBuilder builder;
  private final LayerFetcher fetcher;
  private final Seeder seeder;
  private final ImageStore store;

  PullPipeline(Path imagesDir, FlattenLimits limits, RootfsBuilder builder, LayerFetcher fetcher, Seeder seeder,
      ImageStore store) {
    this.imagesDir = imagesDir;
    this.limits = limits;
    this.builder = builder;
    this.fetcher = fetcher;
    this.seeder = seeder;
    this.store = store;
  }

  /** What a pull was asked to do; {@code kernel} (may be null) becomes the default kernel, its modules go in. */
  record Request(ImageReference ref, String name, long sizeBytes, KernelStore.KernelRow kernel) {}

  ImageStore.ImageRow pull(Request req, RegistryClient client, Listener l, BooleanSupplier cancelled)
      throws RegistryException, IOException {
    l.stage("resolve", "resolving " + req.ref().canonical(), 0, 0);
    ResolvedImage image = client.resolve(req.ref());
    check(cancelled);
    int n = image.layers().size();
    l.stage("fetch", "fetching " + n + " layer" + (n == 1 ? "" : "s") + " (" + image.downloadSize() + " bytes)",
        0, image.downloadSize());
    LayerFetcher.FetchedImage fetched = fetcher.fetch(image, client.blobs(req.ref()),
        (i, count, d, done, total) -> l.stage("fetch", "layer " + (i + 1) + "/" + count + " " + d.shortHex(),
            done, total), cancelled);
    check(cancelled);

    String id = UUID.randomUUID().toString();
    Files.createDirectories(imagesDir.resolve(".staging"));
    // Private while the image's files (its /etc/shadow among them) lie unpacked in it.
    Path staging = Files.createDirectory(imagesDir.resolve(".staging").resolve(id),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path tree = Files.createDirectory(staging.resolve("tree"));
      long uid = (Integer) Files.getAttribute(tree, "unix:uid");
      long gid = (Integer) Files.getAttribute(tree, "unix:gid");
      LayerFlattener flattener = new LayerFlattener(tree, limits, uid, gid);
      List<Path> layers = fetched.layers();
      for (int i = 0; i < layers.size(); i++) {
        String layerName = "layer " + (i + 1) + "/" + n + " (" + image.layers().get(i).digest() + ")";
        l.stage("flatten", "applying " + layerName, i, n);
        try (InputStream in = LayerStreams.open(Files.newInputStream(layers.get(i)))) {
          flattener.apply(in, layerName);
        }
        check(cancelled);
      }
      if (req.kernel() != null && req.kernel().modulesTree().isPresent()) {
        l.stage("flatten", "adding the modules of kernel " + req.kernel().name(), n, n);
        try (InputStream in = ModulesLayer.open(req.kernel().modulesTree().get(), req.kernel().version())) {
          flattener.apply(in, "modules of kernel " + req.kernel().name());
        }
        check(cancelled);
      }
      flattener.apply(new ByteArrayInputStream(GuestPieces.layer()), "banger guest pieces");
      FlattenResult flat = flattener.finish();

      Path rootfs = staging.resolve("rootfs.ext4");
      long size = builder.sizeFor(flat, req.sizeBytes());
      l.stage("build", "mkfs.ext4 -d: " + flat.entries().size() + " entries, " + size + " bytes", 0, 0);
      builder.format(flat, rootfs, size);
      DirectoryTrees.delete(tree);
      check(cancelled);
      l.stage("ownership", "restoring owners and modes", 0, 0);
      RootfsBuilder.Built built = builder.restoreOwnership(flat, rootfs, size);
      check(cancelled);
      l.stage("seed", "building the work-seed (disk-service)", 0, 0);
      Path seed = seeder.seed(rootfs);
      check(cancelled);

      l.stage("publish", built.ownershipFixes() + " owners restored, " + built.specialNodes() + " device nodes made", 0, 0);
      Path finalDir = imagesDir.resolve(id);
      Files.move(staging, finalDir, StandardCopyOption.ATOMIC_MOVE);
      Files.setPosixFilePermissions(finalDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      String kernelId = req.kernel() == null ? null : req.kernel().id();
      ImageStore.ImageRow row = new ImageStore.ImageRow(id, req.name(), "oci", req.ref().canonical(),
          image.manifestDigest().toString(), finalDir.resolve("rootfs.ext4").toString(), size,
          finalDir.resolve(seed.getFileName()).toString(), kernelId, image.downloadSize(), java.time.Instant.now(), 0);
      try {
        store.insert(row);
      } catch (RuntimeException e) {
        DirectoryTrees.delete(finalDir);
        throw e;
      }
      return store.find(id).orElseThrow();
    } finally {
      DirectoryTrees.delete(staging); // gone already when published
    }
  }

  private static void check(BooleanSupplier cancelled) {
    if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
      throw new CancellationException("the pull was cancelled");
    }
  }
}
