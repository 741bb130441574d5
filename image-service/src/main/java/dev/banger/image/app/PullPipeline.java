package dev.banger.image.app;

import dev.banger.image.build.GuestCheck;
import dev.banger.image.build.GuestPieces;
import dev.banger.image.build.ImageCommand;
import dev.banger.image.build.ModulesLayer;
import dev.banger.image.build.RootfsBuilder;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.flatten.SpaceGuard;
import dev.banger.image.kit.GuestKits;
import dev.banger.image.ports.WorkSeeds;
import dev.banger.image.source.RootfsSource;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.ops.CancelWatch;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * One pull, start to finish: the source's own stages (resolve and fetch, or resolve and bootstrap),
 * then flatten, build, ownership, seed, publish, the same for every source (docs/image-service.md).
 * Everything happens in {@code images/.staging/<id>/}; the image appears by one rename and one row,
 * or not at all.
 */
public final class PullPipeline {

  /** The stages after the source's own, the same for every source. */
  static final List<String> SHARED_STAGES =
      List.of("flatten", "kit", "build", "ownership", "seed", "publish");

  private final Path imagesDir;
  private final FlattenLimits limits;
  private final RootfsBuilder builder;
  private final WorkSeeds seeder;
  private final ImageStore store;
  private final GuestKits kits;

  /**
   * @param kits banger's guest kit, built during the first pull of an image that needs it
   */
  public PullPipeline(
      Path imagesDir,
      FlattenLimits limits,
      RootfsBuilder builder,
      WorkSeeds seeder,
      ImageStore store,
      GuestKits kits) {
    this.imagesDir = imagesDir;
    this.limits = limits;
    this.builder = builder;
    this.seeder = seeder;
    this.store = store;
    this.kits = kits;
  }

  /**
   * What a pull was asked to do; {@code kernel} (may be null) becomes the default kernel, its
   * modules go in.
   */
  /**
   * @param replaces the id of the image a forced pull replaces under the same name, or null
   */
  record Request(
      RootfsSource source,
      String name,
      long sizeBytes,
      KernelStore.KernelRow kernel,
      String replaces,
      boolean guestKit) {}

  /** Every stage a pull from {@code source} reports, in order. */
  public static List<String> stages(RootfsSource source) {
    List<String> all = new ArrayList<>(source.stages());
    all.addAll(SHARED_STAGES);
    return List.copyOf(all);
  }

  ImageStore.ImageRow pull(Request req, StageProgress l, BooleanSupplier cancelled)
      throws Exception {
    RootfsSource.Fetched fetched = req.source().fetch(l, cancelled);
    check(cancelled);

    String id = UUID.randomUUID().toString();
    Path stagingRoot = Files.createDirectories(imagesDir.resolve(".staging"));
    // Private while the image's files (its /etc/shadow among them) lie unpacked in it.
    Path staging =
        Files.createDirectory(
            stagingRoot.resolve(id),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path work = null;
    try {
      // Beside the private directory, not in it: mmdebstrap's unshared root (a subuid) must reach
      // it.
      work = Files.createDirectory(stagingRoot.resolve(id + ".work"));
      Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
      Path tree = Files.createDirectory(staging.resolve("tree"));
      long uid = (Integer) Files.getAttribute(tree, "unix:uid");
      long gid = (Integer) Files.getAttribute(tree, "unix:gid");
      LayerFlattener flattener =
          new LayerFlattener(
              tree, limits, uid, gid, cancelled, SpaceGuard.of(tree, limits.reserve()));
      fetched.applyTo(flattener, work, l, cancelled);
      check(cancelled);
      DirectoryTrees.delete(work);
      if (req.kernel() != null && req.kernel().modulesTree().isPresent()) {
        l.stage("flatten", "adding the modules of kernel " + req.kernel().name(), 0, 0);
        try (InputStream in =
            ModulesLayer.open(req.kernel().modulesTree().get(), req.kernel().version())) {
          flattener.apply(in, "modules of kernel " + req.kernel().name());
        }
        check(cancelled);
      }
      flattener.apply(new ByteArrayInputStream(GuestPieces.layer()), "banger guest pieces");
      FlattenResult flat = flattener.finish();
      GuestCheck.Verdict guest =
          GuestCheck.check(flat.entries(), req.guestKit())
              .with(ImageCommand.resolve(fetched.run(), flat.root(), flat.entries()));
      // Always reported: what a VM of this image will get is part of what the pull says.
      l.stage("kit", String.join("; ", guest.notes()), 0, 0);
      if (guest.boot() == GuestCheck.Boot.KIT) {
        kits.ensure(l, cancelled);
        guest = guest.withKit(kits.currentVersion());
        check(cancelled);
      }

      Path rootfs = staging.resolve("rootfs.ext4");
      long size = builder.sizeFor(flat, req.sizeBytes());
      l.stage(
          "build", "mkfs.ext4 -d: " + flat.entries().size() + " entries, " + size + " bytes", 0, 0);
      // mkfs, debugfs and disk-service's seed build cannot look at the flag: a cancel kills them.
      CancelWatch.interruptOnCancel(
          cancelled,
          CANCELLED,
          () -> {
            builder.format(flat, rootfs, size);
            return null;
          });
      DirectoryTrees.delete(tree);
      check(cancelled);
      l.stage("ownership", "restoring owners and modes", 0, 0);
      RootfsBuilder.Built built =
          CancelWatch.interruptOnCancel(
              cancelled, CANCELLED, () -> builder.restoreOwnership(flat, rootfs, size));
      check(cancelled);
      l.stage("seed", "building the work-seed (disk-service)", 0, 0);
      Path seed = CancelWatch.interruptOnCancel(cancelled, CANCELLED, () -> seeder.seed(rootfs));
      check(cancelled);

      l.stage(
          "publish",
          built.ownershipFixes()
              + " owners restored, "
              + built.specialNodes()
              + " device nodes made",
          0,
          0);
      Path finalDir = imagesDir.resolve(id);
      Files.move(staging, finalDir, StandardCopyOption.ATOMIC_MOVE);
      Files.setPosixFilePermissions(finalDir, PosixFilePermissions.fromString("rwxr-xr-x"));
      String kernelId = req.kernel() == null ? null : req.kernel().id();
      ImageStore.ImageRow row =
          ImageStore.ImageRow.builder()
              .id(id)
              .name(req.name())
              .source(req.source().kind())
              .origin(req.source().origin())
              .digest(fetched.digest())
              .rootfs(finalDir.resolve("rootfs.ext4").toString(), size)
              .workSeedPath(finalDir.resolve(seed.getFileName()).toString())
              .defaultKernel(kernelId)
              .downloadBytes(fetched.downloadBytes())
              .guest(guest)
              .build();
      try {
        if (req.replaces() == null) {
          store.insert(row);
        } else {
          if (!store.replace(req.replaces(), row)) {
            throw new ImageProblem(
                ImageProblem.Kind.FAILED_PRECONDITION,
                "IMAGE_IN_USE",
                "image \""
                    + req.name()
                    + "\" came into use by a VM during the pull; it was not replaced (delete"
                    + " the VMs, then pull with force again)",
                java.util.Map.of("name", req.name()));
          }
        }
      } catch (RuntimeException e) {
        DirectoryTrees.delete(finalDir);
        throw e;
      }
      return store.find(id).orElseThrow();
    } finally {
      DirectoryTrees.delete(staging); // gone already when published
      DirectoryTrees.delete(work);
    }
  }

  private static final String CANCELLED = "the pull was cancelled";

  private static void check(BooleanSupplier cancelled) {
    Cancellation.check(cancelled, CANCELLED);
  }
}
