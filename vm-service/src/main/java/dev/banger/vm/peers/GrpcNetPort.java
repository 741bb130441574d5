package dev.banger.vm.peers;

import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.EnableNatRequest;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.LeaseIpResponse;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.vm.ports.Lease;
import dev.banger.vm.ports.NetPort;
import java.util.UUID;

/** {@link NetPort} over net-service's gRPC API. */
public final class GrpcNetPort implements NetPort {

  private final PeerChannels peers;

  public GrpcNetPort(PeerChannels peers) {
    this.peers = peers;
  }

  @Override
  public void ensureBridge() {
    peers.net().ensureBridge(EnsureBridgeRequest.newBuilder().setRequestId(rid()).build());
  }

  @Override
  public Lease leaseIp(String vmId, String vmName) {
    LeaseIpResponse r =
        peers
            .net()
            .leaseIp(
                LeaseIpRequest.newBuilder()
                    .setRequestId(rid())
                    .setVmId(vmId)
                    .setVmName(vmName)
                    .build());
    var l = r.getLease();
    return new Lease(
        l.getIpAddress(),
        l.getPrefixLength(),
        l.getGateway(),
        l.getDnsServer(),
        l.getMacAddress(),
        r.getCreated());
  }

  @Override
  public void releaseIp(String vmId) {
    peers.net().releaseIp(ReleaseIpRequest.newBuilder().setRequestId(rid()).setVmId(vmId).build());
  }

  @Override
  public void enableNat(String vmId) {
    peers.net().enableNat(EnableNatRequest.newBuilder().setRequestId(rid()).setVmId(vmId).build());
  }

  @Override
  public String acquireTap(String vmId) {
    return peers
        .net()
        .acquireTap(AcquireTapRequest.newBuilder().setRequestId(rid()).setVmId(vmId).build())
        .getTap()
        .getName();
  }

  @Override
  public void releaseTap(String vmId) {
    peers
        .net()
        .releaseTap(ReleaseTapRequest.newBuilder().setRequestId(rid()).setVmId(vmId).build());
  }

  @Override
  public void createCloneNetwork(String vmId, String guestIp) {
    peers
        .net()
        .createCloneNetwork(
            dev.banger.api.net.v1.CreateCloneNetworkRequest.newBuilder()
                .setRequestId(rid())
                .setVmId(vmId)
                .setGuestIp(guestIp)
                .build());
  }

  /** Each peer call carries its own id: these calls are idempotent by their natural keys. */
  static String rid() {
    return UUID.randomUUID().toString();
  }
}
