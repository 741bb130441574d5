package dev.banger.kit.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where banger keeps things (docs/architecture.md §2). Production spreads over the FHS ({@code
 * /var/lib/banger}, {@code /var/cache/banger}, {@code /run/banger}); the all-in-one dev mode puts
 * the same tree under one {@code --state-dir}.
 */
public record StateLayout(Path libDir, Path cacheDir, Path runDir) {

  public static StateLayout production() {
    return new StateLayout(
        Path.of("/var/lib/banger"), Path.of("/var/cache/banger"), Path.of("/run/banger"));
  }

  /** Everything under one directory: {@code DIR/lib}, {@code DIR/cache}, {@code DIR/run}. */
  public static StateLayout under(Path root) {
    Path r = root.toAbsolutePath().normalize();
    return new StateLayout(r.resolve("lib"), r.resolve("cache"), r.resolve("run"));
  }

  public Path socket(ServiceName s) {
    return runDir.resolve(s.id() + ".sock");
  }

  /**
   * Each service owns its own database, in a directory of its own ({@code db/<name>/}, 0700) so
   * that in production, where each service is a different user, none can open another's.
   */
  public Path database(ServiceName s) {
    return serviceState(s).resolve(s.id() + ".db");
  }

  /**
   * The service's own state directory ({@code db/<name>/}), where its database lives: the one place
   * under the state directory a service running as its own user is sure to be able to write (the
   * system install makes it for that user), so small state files of its own go here too.
   */
  public Path serviceState(ServiceName s) {
    return libDir.resolve("db").resolve(s.id());
  }

  /** vm-service's cached verdict of the KVM probe (kernel, size, mtime, verdict, reason). */
  public Path kvmProbeCache() {
    return serviceState(ServiceName.VM).resolve("kvm-probe.json");
  }

  public Path images() {
    return libDir.resolve("images");
  }

  public Path kernels() {
    return libDir.resolve("kernels");
  }

  /** Snapshots of VMs (docs/snapshots.md): disk-service's disk copies and vm-service's state. */
  public Path snapshots() {
    return libDir.resolve("snapshots");
  }

  public Path vms() {
    return libDir.resolve("vms");
  }

  /**
   * A service's scratch directory ({@code lib/tmp/<name>}), made if missing and emptied: what is in
   * it belonged to a process that died mid-operation.
   */
  public Path freshScratch(ServiceName s) throws IOException {
    Path scratch = libDir.resolve("tmp").resolve(s.id());
    Files.createDirectories(scratch);
    DirectoryTrees.empty(scratch);
    return scratch;
  }

  public Path ociCache() {
    return cacheDir.resolve("oci");
  }

  /**
   * Creates the directories a service needs. The run directory stays traversable (0755) so socket
   * permissions, not directory permissions, decide who may connect.
   */
  public void ensureFor(ServiceName s) throws IOException {
    mkdirs(runDir, "rwxr-xr-x");
    mkdirs(database(s).getParent().getParent(), "rwxr-xr-x");
    mkdirs(database(s).getParent(), "rwx------");
    switch (s) {
      case IMAGE -> {
        mkdirs(images(), "rwxr-xr-x");
        mkdirs(kernels(), "rwxr-xr-x");
        mkdirs(ociCache(), "rwx------");
      }
      case VM -> mkdirs(vms(), "rwx------");
      case NET, DISK -> {}
    }
  }

  private static void mkdirs(Path dir, String perms) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
    }
  }
}
