package dev.banger.vm;

import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;

/**
 * Where vm-service keeps a VM's files: {@code lib/vms/<id>/} (shared with disk-service, which
 * puts the disks there) holds {@code handles.json}; {@code run/vms/<id>/} holds the VMM's
 * sockets, pid file and console log (short paths: a Unix socket path has 108 bytes at most).
 */
record VmPaths(StateLayout layout) {

  Path vmDir(String id) {
    return layout.vms().resolve(id);
  }

  Path runDir(String id) {
    return layout.runDir().resolve("vms").resolve(id);
  }

  Path libDir() {
    return layout.libDir();
  }

  Path runRoot() {
    return layout.runDir();
  }

  Path sshDir() {
    return layout.libDir().resolve("ssh");
  }
}
