package dev.banger.vm.app;

import dev.banger.kit.state.DirectoryTrees;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.ports.NetPort;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a VM whose boot is already released: lease (and with it NAT), disks, pinned host key,
 * image reference, its directories, then its row. Every part is idempotent, and the row goes last,
 * so a removal cut short by a crash is finished by deleting again.
 */
public final class VmRemoval {

  private static final Logger LOG = LoggerFactory.getLogger(VmRemoval.class);
  private final VmStore store;
  private final NetPort net;
  private final DiskPort disk;
  private final ImagePort image;
  private final GuestAccess guest;
  private final VmPaths paths;

  public VmRemoval(
      VmStore store,
      NetPort net,
      DiskPort disk,
      ImagePort image,
      GuestAccess guest,
      VmPaths paths) {
    this.store = store;
    this.net = net;
    this.disk = disk;
    this.image = image;
    this.guest = guest;
    this.paths = paths;
  }

  public void remove(VmRecord v) throws Exception {
    net.releaseIp(v.id());
    disk.removeOverlay(v.id());
    disk.removeWorkDisk(v.id());
    if (v.ipAddress() != null) {
      guest.forget(v.ipAddress(), v.name());
    }
    image.removeReference(v.image(), v.id());
    DirectoryTrees.delete(paths.runDir(v.id()));
    DirectoryTrees.delete(paths.vmDir(v.id()));
    store.delete(v.id());
    LOG.info("deleted VM {} ({})", v.name(), v.id());
  }
}
