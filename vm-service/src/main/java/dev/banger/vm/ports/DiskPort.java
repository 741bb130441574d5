package dev.banger.vm.ports;

import dev.banger.kit.config.FileSyncEntry;
import java.io.IOException;
import java.util.List;

/**
 * What vm-service needs from disk-service: a VM's rootfs overlay and work disk, and the files
 * written onto them before a boot. Creates are idempotent by VM id (a retry returns the same disk);
 * removes are idempotent too.
 */
public interface DiskPort {

  /**
   * @return the overlay's path
   */
  String createOverlay(String vmId, String basePath, long sizeBytes);

  void removeOverlay(String vmId);

  /**
   * @param seedPath the image's work-seed, or empty for a fresh filesystem
   * @return the work disk's path
   */
  String createWorkDisk(String vmId, String seedPath, long sizeBytes);

  void removeWorkDisk(String vmId);

  /** Hostname, hosts, resolver, the leased address and the mounts, onto the overlay. */
  /**
   * @param kitFiles more files for a guest-kit VM, guest path to content, all under {@code
   *     /etc/banger/}
   */
  void writeOverlayConfig(
      String overlayPath, String vmName, Lease lease, java.util.Map<String, String> kitFiles);

  /** The owner's key as {@code /root/.ssh/authorized_keys}, onto the work disk. */
  void writeWorkDiskConfig(String workDiskPath, String authorizedKeysLine);

  /**
   * The configured {@code [[file_sync]]} entries, onto the work disk.
   *
   * @return warnings (a host path missing, a file too big), never a failure for those
   */
  List<String> syncFiles(String workDiskPath, List<FileSyncEntry> entries) throws IOException;
}
