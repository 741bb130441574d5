package dev.banger.vm.fakes;

import dev.banger.kit.config.FileSyncEntry;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * disk-service as sets of disks. The disks are real (empty) files under {@code dir}, because the
 * QEMU-shaped launch checks they exist; a create of an existing disk returns it, as the real one.
 */
public final class FakeDisk implements DiskPort {

  private final FakeHost host;
  private final Path dir;

  public FakeDisk(FakeHost host, Path dir) {
    this.host = host;
    this.dir = dir;
  }

  @Override
  public String createOverlay(String vmId, String basePath, long sizeBytes) {
    host.call("createOverlay");
    host.overlays.add(vmId);
    return touch(vmId + "-rootfs.ext4");
  }

  @Override
  public void removeOverlay(String vmId) {
    host.call("removeOverlay");
    host.overlays.remove(vmId);
  }

  @Override
  public String createWorkDisk(String vmId, String seedPath, long sizeBytes) {
    host.call("createWorkDisk");
    host.workDisks.add(vmId);
    return touch(vmId + "-work.ext4");
  }

  @Override
  public void removeWorkDisk(String vmId) {
    host.call("removeWorkDisk");
    host.workDisks.remove(vmId);
  }

  @Override
  public void writeOverlayConfig(
      String overlayPath, String vmName, Lease lease, java.util.Map<String, String> kitFiles) {
    host.call("writeOverlayConfig");
  }

  @Override
  public void writeWorkDiskConfig(String workDiskPath, String authorizedKeysLine) {
    host.call("writeWorkDiskConfig");
  }

  @Override
  public List<String> syncFiles(String workDiskPath, List<FileSyncEntry> entries) {
    host.call("syncFiles");
    return List.of();
  }

  private String touch(String name) {
    try {
      Path p = dir.resolve(name);
      if (!Files.exists(p)) {
        Files.createFile(p);
      }
      return p.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
