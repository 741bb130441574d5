package dev.banger.image.app;

import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.GuestPath;
import dev.banger.image.build.GuestCheck;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.kit.GuestKits;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * RegisterImage: records a rootfs file the user keeps, by reference (docs/image-service.md,
 * "Registered images"). The file is checked the way a VM start would need it — a regular file
 * holding a clean ext4 filesystem with an init — so a bad file is refused now, with the reason,
 * rather than at the first boot. Nothing is copied and banger never deletes the file.
 */
public final class ImageRegistrar {

  /** Any one of these makes a rootfs bootable by the kernel's default init search. */
  static final List<GuestPath> INITS =
      List.of(
          GuestPath.of("/sbin/init"),
          GuestPath.of("/usr/sbin/init"),
          GuestPath.of("/lib/systemd/systemd"),
          GuestPath.of("/usr/lib/systemd/systemd"));

  private final ImageStore store;
  private final KernelStore kernels;
  private final Ext4Toolkit kit;
  private final List<Path> stateRoots;
  private final GuestKits kits;

  /**
   * @param stateRoots banger's state and cache directories, resolved: nothing inside them may be
   *     registered
   */
  public ImageRegistrar(
      ImageStore store,
      KernelStore kernels,
      Ext4Toolkit kit,
      List<Path> stateRoots,
      GuestKits kits) {
    this.kits = kits;
    this.store = store;
    this.kernels = kernels;
    this.kit = kit;
    this.stateRoots = List.copyOf(stateRoots);
  }

  /** What a registration was asked for, validated. */
  public record Request(String name, Path rootfs, String kernel) {}

  /**
   * Registers, or returns the existing row when the same name already names the same file (a
   * retry). Called under the image name's lock.
   */
  ImageStore.ImageRow register(Request req) {
    Path real = resolve(req.rootfs());
    var existing = store.find(req.name());
    if (existing.isPresent()) {
      if (!existing.get().managed() && existing.get().origin().equals(real.toString())) {
        return existing.get();
      }
      throw ImageRemoval.exists(existing.get());
    }
    String kernelId = null;
    if (!req.kernel().isEmpty()) {
      kernelId =
          kernels
              .find(req.kernel())
              .orElseThrow(() -> ImageProblem.notFound("kernel", req.kernel()))
              .id();
    }
    Ext4Image image = kit.open(real);
    if (image.superblock().needsRecovery() || !kit.tools().isClean(real)) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "ROOTFS_NOT_CLEAN",
          real
              + " holds an ext4 filesystem that is not clean"
              + " (unreplayed journal or errors); run 'e2fsck -fp "
              + real
              + "' and register it again",
          Map.of("path", real.toString()));
    }
    if (kit.stat(image, INITS).isEmpty()) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "ROOTFS_NO_INIT",
          real
              + " has no init (none of /sbin/init,"
              + " /usr/sbin/init, /lib/systemd/systemd, /usr/lib/systemd/systemd), so no VM could boot it",
          Map.of("path", real.toString()));
    }
    long bytes;
    try {
      bytes = Files.size(real);
    } catch (IOException e) {
      throw unreadable(real, e);
    }
    GuestCheck.Verdict guest = check(image);
    if (guest.boot() == GuestCheck.Boot.KIT) {
      try {
        kits.ensure((stage, message, done, total) -> {}, () -> false);
        guest = guest.withKit(kits.currentVersion());
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new ImageProblem(
            ImageProblem.Kind.FAILED_PRECONDITION,
            "KIT_BUILD_FAILED",
            "image "
                + req.name()
                + " needs banger's guest kit, which could not be built: "
                + e.getMessage(),
            Map.of("name", req.name()));
      }
    }
    ImageStore.ImageRow row =
        ImageStore.ImageRow.builder()
            .id(UUID.randomUUID().toString())
            .name(req.name())
            .source("registered")
            .origin(real.toString())
            .rootfs(real.toString(), bytes)
            .defaultKernel(kernelId)
            .managed(false)
            .guest(guest)
            .build();
    store.insert(row);
    return store.find(row.id()).orElseThrow();
  }

  /**
   * What a VM of the file will boot (docs/guest-kit.md): the same check a pull makes, on the paths
   * debugfs finds in it (links in the middle of a path followed, the last one not).
   */
  private GuestCheck.Verdict check(Ext4Image image) {
    List<GuestPath> paths = new java.util.ArrayList<>();
    for (String p : GuestCheck.PATHS) {
      paths.add(GuestPath.of("/" + p));
      paths.add(GuestPath.of("/usr/" + p));
    }
    Map<String, EntryMeta> entries = new java.util.TreeMap<>();
    for (var e : kit.stat(image, paths).entrySet()) {
      entries.put(
          e.getKey().toString().substring(1),
          new EntryMeta(e.getValue().type(), 0, 0, e.getValue().permissions(), 0, 0, 0));
    }
    return GuestCheck.check(entries);
  }

  /** Follows every symlink; the result must be a regular file outside banger's state. */
  private Path resolve(Path raw) {
    Path real;
    try {
      real = raw.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ImageProblem(
          ImageProblem.Kind.NOT_FOUND,
          "ROOTFS_NOT_FOUND",
          "rootfs_path " + ImageNames.quoted(raw.toString()) + " does not exist",
          Map.of());
    } catch (IOException e) {
      throw unreadable(raw, e);
    }
    if (!Files.isRegularFile(real)) {
      throw ImageProblem.invalid(
          "rootfs_path",
          "rootfs_path "
              + ImageNames.quoted(real.toString())
              + " is not a regular file (an ext4 image file is expected)");
    }
    for (Path root : stateRoots) {
      if (real.startsWith(root)) {
        throw ImageProblem.invalid(
            "rootfs_path",
            "rootfs_path "
                + ImageNames.quoted(real.toString())
                + " lies inside banger's state directory "
                + root
                + "; register a file of your own");
      }
    }
    if (!Files.isReadable(real)) {
      throw unreadable(real, new AccessDeniedException(real.toString()));
    }
    return real;
  }

  /** The service runs as its own user: say whose permission is missing. */
  private static RuntimeException unreadable(Path p, IOException e) {
    return new ImageProblem(
        ImageProblem.Kind.PERMISSION_DENIED,
        "ROOTFS_UNREADABLE",
        "cannot read "
            + ImageNames.quoted(p.toString())
            + " as user "
            + System.getProperty("user.name")
            + " (image-service): "
            + e.getClass().getSimpleName()
            + "; make it readable to that user",
        Map.of());
  }
}
