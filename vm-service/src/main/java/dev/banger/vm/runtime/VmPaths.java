package dev.banger.vm.runtime;

import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;

/**
 * Where vm-service keeps a VM's files: {@code lib/vms/<id>/} (shared with disk-service, which puts
 * the disks there) holds {@code handles.json}; {@code run/vms/<id>/} holds the VMM's sockets, pid
 * file and console log (short paths: a Unix socket path has 108 bytes at most).
 */
public record VmPaths(StateLayout layout) {

  public Path vmDir(String id) {
    return layout.vms().resolve(id);
  }

  public Path runDir(String id) {
    return layout.runDir().resolve("vms").resolve(id);
  }

  public Path libDir() {
    return layout.libDir();
  }

  public Path runRoot() {
    return layout.runDir();
  }

  /**
   * {@code lib/snapshots/}: one directory per snapshot, made by disk-service (docs/snapshots.md).
   */
  public Path snapshotsRoot() {
    return layout.snapshots();
  }

  public Path sshDir() {
    return layout.libDir().resolve("ssh");
  }
}
