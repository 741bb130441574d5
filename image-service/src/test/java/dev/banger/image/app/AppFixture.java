package dev.banger.image.app;

import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.source.RootfsSource;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The image use cases over a real SQLite store, with sources and a seeder that record what reached
 * them: the rules are tested without a registry, mkfs or disk-service (ImagePullTest has those).
 */
final class AppFixture {

  /** What a source throws when the pipeline fetches from it: proof the rules let the pull on. */
  static final class Fetched extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Fetched(String origin) {
      super("the pipeline fetched " + origin);
    }
  }

  static final StageProgress QUIET = (stage, message, done, total) -> {};
  static final BooleanSupplier NOT_CANCELLED = () -> false;

  final Path dir;
  final ImageStore images;
  final KernelStore kernels;
  final NameLocks locks = new NameLocks();
  final KernelLibrary kernelLibrary;
  final ImagePulls pulls;
  final ImageLibrary library;

  AppFixture(Path dir) throws Exception {
    this.dir = dir;
    Files.createDirectories(dir.resolve("state"));
    SqliteDatabase db =
        SqliteDatabase.open(dir.resolve("state/image.db"), "image", "db/migration/image");
    images = new ImageStore(db);
    kernels = new KernelStore(db);
    kernelLibrary = new KernelLibrary(kernels, null);
    PullPipeline pipeline =
        new PullPipeline(
            Files.createDirectories(dir.resolve("images")),
            FlattenLimits.defaults(),
            null,
            rootfs -> {
              throw new AssertionError("no seed is built in these tests");
            },
            images,
            null);
    pulls = new ImagePulls(images, null, pipeline, kernelLibrary, null, locks);
    library = new ImageLibrary(images, null, null, locks);
  }

  /** A source with this origin that fails at fetch with {@link Fetched}. */
  static RootfsSource source(String origin) {
    return new RootfsSource() {
      @Override
      public String kind() {
        return "oci";
      }

      @Override
      public String origin() {
        return origin;
      }

      @Override
      public List<String> stages() {
        return List.of("resolve", "fetch");
      }

      @Override
      public Fetched fetch(StageProgress p, BooleanSupplier c) {
        throw new AppFixture.Fetched(origin);
      }
    };
  }

  /** A managed image whose files lie under {@code images/<id>/}. */
  ImageStore.ImageRow image(String name, String origin, boolean managed) throws Exception {
    String id = java.util.UUID.randomUUID().toString();
    Path rootfs = Files.createDirectories(dir.resolve("images").resolve(id)).resolve("rootfs.ext4");
    Files.writeString(rootfs, "x");
    images.insert(
        ImageStore.ImageRow.builder()
            .id(id)
            .name(name)
            .source(managed ? "oci" : "registered")
            .origin(origin)
            .digest("sha256:00")
            .rootfs(rootfs.toString(), 1)
            .downloadBytes(1)
            .managed(managed)
            .build());
    return images.find(id).orElseThrow();
  }

  KernelStore.KernelRow kernel(String name) throws Exception {
    String id = java.util.UUID.randomUUID().toString();
    Path vmlinux = Files.createDirectories(dir.resolve("kernels").resolve(id)).resolve("vmlinux");
    Files.writeString(vmlinux, "k");
    kernels.insert(
        new KernelStore.KernelRow(
            id, name, "6.1.0", vmlinux.toString(), null, null, null, Instant.now()));
    return kernels.find(id).orElseThrow();
  }
}
