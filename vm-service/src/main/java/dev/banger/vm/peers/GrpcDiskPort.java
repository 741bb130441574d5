package dev.banger.vm.peers;

import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.RemoveWorkDiskRequest;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.kit.config.FileSyncEntry;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.Lease;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@link DiskPort} over disk-service's gRPC API; the guest files as {@link GuestConfig} says. */
public final class GrpcDiskPort implements DiskPort {

  private final PeerChannels peers;
  private final Path home;

  /**
   * @param home the owner's home, where {@code ~/} in {@code [[file_sync]]} points
   */
  public GrpcDiskPort(PeerChannels peers, Path home) {
    this.peers = peers;
    this.home = home;
  }

  @Override
  public String createOverlay(String vmId, String basePath, long sizeBytes) {
    return peers
        .disk()
        .createOverlay(
            CreateOverlayRequest.newBuilder()
                .setRequestId(GrpcNetPort.rid())
                .setVmId(vmId)
                .setBasePath(basePath)
                .setSizeBytes(sizeBytes)
                .build())
        .getOverlay()
        .getPath();
  }

  @Override
  public void removeOverlay(String vmId) {
    peers
        .disk()
        .removeOverlay(
            RemoveOverlayRequest.newBuilder()
                .setRequestId(GrpcNetPort.rid())
                .setVmId(vmId)
                .build());
  }

  @Override
  public String createWorkDisk(String vmId, String seedPath, long sizeBytes) {
    return peers
        .disk()
        .createWorkDisk(
            CreateWorkDiskRequest.newBuilder()
                .setRequestId(GrpcNetPort.rid())
                .setVmId(vmId)
                .setSeedPath(seedPath)
                .setSizeBytes(sizeBytes)
                .build())
        .getWorkDisk()
        .getPath();
  }

  @Override
  public void removeWorkDisk(String vmId) {
    peers
        .disk()
        .removeWorkDisk(
            RemoveWorkDiskRequest.newBuilder()
                .setRequestId(GrpcNetPort.rid())
                .setVmId(vmId)
                .build());
  }

  @Override
  public void writeOverlayConfig(
      String overlayPath, String vmName, Lease lease, java.util.Map<String, String> kitFiles) {
    peers
        .disk()
        .writeGuestFiles(
            GuestConfig.overlay(GrpcNetPort.rid(), overlayPath, vmName, lease, kitFiles));
  }

  @Override
  public void writeWorkDiskConfig(String workDiskPath, String authorizedKeysLine) {
    peers
        .disk()
        .writeGuestFiles(GuestConfig.workDisk(GrpcNetPort.rid(), workDiskPath, authorizedKeysLine));
  }

  @Override
  public List<String> syncFiles(String workDiskPath, List<FileSyncEntry> entries)
      throws IOException {
    FileSync.Plan sync = FileSync.plan(entries, workDiskPath, home, GrpcNetPort::rid);
    for (WriteGuestFilesRequest req : sync.requests()) {
      peers.disk().writeGuestFiles(req);
    }
    return sync.warnings();
  }
}
