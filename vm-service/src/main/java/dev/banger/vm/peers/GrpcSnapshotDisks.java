package dev.banger.vm.peers;

import dev.banger.api.disk.v1.CopySnapshotDisksRequest;
import dev.banger.api.disk.v1.CopySnapshotDisksResponse;
import dev.banger.api.disk.v1.RemoveSnapshotDisksRequest;
import dev.banger.vm.ports.SnapshotDiskPort;
import java.nio.file.Path;
import java.util.Optional;

/** {@link SnapshotDiskPort} over disk-service's gRPC API. */
public final class GrpcSnapshotDisks implements SnapshotDiskPort {

  private final PeerChannels peers;

  public GrpcSnapshotDisks(PeerChannels peers) {
    this.peers = peers;
  }

  @Override
  public Copies copy(String vmId, String snapshotId) {
    CopySnapshotDisksResponse r =
        peers
            .disk()
            .copySnapshotDisks(
                CopySnapshotDisksRequest.newBuilder()
                    .setRequestId(GrpcNetPort.rid())
                    .setVmId(vmId)
                    .setSnapshotId(snapshotId)
                    .build());
    return new Copies(
        Path.of(r.getDirectory()),
        Path.of(r.getOverlayPath()),
        r.getWorkDiskPath().isEmpty()
            ? Optional.empty()
            : Optional.of(Path.of(r.getWorkDiskPath())),
        Path.of(r.getStateDirectory()));
  }

  @Override
  public void remove(String snapshotId) {
    peers
        .disk()
        .removeSnapshotDisks(
            RemoveSnapshotDisksRequest.newBuilder()
                .setRequestId(GrpcNetPort.rid())
                .setSnapshotId(snapshotId)
                .build());
  }
}
