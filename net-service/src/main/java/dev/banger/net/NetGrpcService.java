package dev.banger.net;

import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.AcquireTapResponse;
import dev.banger.api.net.v1.Bridge;
import dev.banger.api.net.v1.CreateCloneNetworkRequest;
import dev.banger.api.net.v1.CreateCloneNetworkResponse;
import dev.banger.api.net.v1.DisableNatRequest;
import dev.banger.api.net.v1.DisableNatResponse;
import dev.banger.api.net.v1.DnsRecord;
import dev.banger.api.net.v1.EnableNatRequest;
import dev.banger.api.net.v1.EnableNatResponse;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.EnsureBridgeResponse;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.LeaseIpResponse;
import dev.banger.api.net.v1.ListDnsRecordsRequest;
import dev.banger.api.net.v1.ListDnsRecordsResponse;
import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.ListLeasesResponse;
import dev.banger.api.net.v1.ListTapsRequest;
import dev.banger.api.net.v1.ListTapsResponse;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.ReleaseIpResponse;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.api.net.v1.ReleaseTapResponse;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.RemoveBridgeResponse;
import dev.banger.api.net.v1.RenameLeaseRequest;
import dev.banger.api.net.v1.RenameLeaseResponse;
import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.grpc.Unary;
import dev.banger.net.dns.VmZone;
import io.grpc.stub.StreamObserver;
import java.util.Set;

/**
 * The gRPC face of net-service: every argument is checked (NetArgs) before VmNetworking runs. The
 * .vm records follow the leases (LeaseIp, RenameLease, ReleaseIp); ListDnsRecords shows them.
 * SetDnsRecord and DeleteDnsRecord are not here: {@link NetService} answers them UNIMPLEMENTED.
 */
final class NetGrpcService extends NetServiceGrpc.NetServiceImplBase {

  /** Methods this class implements; the others answer UNIMPLEMENTED. */
  static final Set<String> IMPLEMENTED =
      Set.of(
          "EnsureBridge",
          "RemoveBridge",
          "AcquireTap",
          "ReleaseTap",
          "CreateCloneNetwork",
          "ListTaps",
          "LeaseIp",
          "RenameLease",
          "ReleaseIp",
          "ListLeases",
          "EnableNat",
          "DisableNat",
          "ListDnsRecords");

  private final VmNetworking net;
  private final String configuredBridge;
  private final VmZone zone;

  NetGrpcService(VmNetworking net, String configuredBridge, VmZone zone) {
    this.zone = zone;
    this.net = net;
    this.configuredBridge = configuredBridge;
  }

  @Override
  public void listDnsRecords(
      ListDnsRecordsRequest req, StreamObserver<ListDnsRecordsResponse> out) {
    answer(
        out,
        () -> {
          ListDnsRecordsResponse.Builder b = ListDnsRecordsResponse.newBuilder();
          new java.util.TreeMap<>(zone.snapshot())
              .forEach(
                  (name, ip) ->
                      b.addRecords(
                          DnsRecord.newBuilder().setName(name).setIpAddress(ip.getHostAddress())));
          return b.build();
        });
  }

  private static <T> void answer(StreamObserver<T> out, Unary.Call<T> call) {
    Unary.answer(out, NetErrors::toStatus, call);
  }

  @Override
  public void ensureBridge(EnsureBridgeRequest req, StreamObserver<EnsureBridgeResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          String name = NetArgs.bridge(req.getName(), configuredBridge);
          var cidr = NetArgs.cidr(req.getCidr());
          Bridges.Ensured e = net.ensureBridge(name, cidr);
          return EnsureBridgeResponse.newBuilder()
              .setBridge(
                  Bridge.newBuilder()
                      .setName(e.bridge().name())
                      .setCidr(e.bridge().cidr().toString())
                      .setManaged(e.bridge().created())
                      .setCreatedNow(e.createdNow()))
              .build();
        });
  }

  @Override
  public void removeBridge(RemoveBridgeRequest req, StreamObserver<RemoveBridgeResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          Bridges.Removed r = net.removeBridge(NetArgs.bridge(req.getName(), configuredBridge));
          return RemoveBridgeResponse.newBuilder()
              .setExisted(r.existed())
              .setDeleted(r.deleted())
              .build();
        });
  }

  @Override
  public void acquireTap(AcquireTapRequest req, StreamObserver<AcquireTapResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          String vmId = NetArgs.vmId(req.getVmId());
          String bridge =
              req.getBridge().isEmpty() ? null : NetArgs.bridge(req.getBridge(), configuredBridge);
          long owner = NetArgs.tapOwner(req.getOwnerUid(), PeerCredentials.current());
          return AcquireTapResponse.newBuilder()
              .setTap(net.acquireTap(vmId, owner, bridge).toProto())
              .build();
        });
  }

  @Override
  public void releaseTap(ReleaseTapRequest req, StreamObserver<ReleaseTapResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          return ReleaseTapResponse.newBuilder()
              .setExisted(net.releaseTap(NetArgs.vmId(req.getVmId())))
              .build();
        });
  }

  @Override
  public void createCloneNetwork(
      CreateCloneNetworkRequest req, StreamObserver<CreateCloneNetworkResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          String vmId = NetArgs.vmId(req.getVmId());
          int guest = NetArgs.guestIp(req.getGuestIp());
          CloneNetworks.Built b = net.createCloneNetwork(vmId, guest);
          return CreateCloneNetworkResponse.newBuilder()
              .setNamespace(b.namespace())
              .setIp(b.ip())
              .build();
        });
  }

  @Override
  public void listTaps(ListTapsRequest req, StreamObserver<ListTapsResponse> out) {
    answer(
        out,
        () -> {
          ListTapsResponse.Builder b = ListTapsResponse.newBuilder();
          net.taps().forEach(t -> b.addTaps(t.toProto()));
          return b.build();
        });
  }

  @Override
  public void leaseIp(LeaseIpRequest req, StreamObserver<LeaseIpResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          String vmId = NetArgs.vmId(req.getVmId());
          String name = NetArgs.vmName(req.getVmName());
          String bridge = NetArgs.bridge(req.getBridge(), configuredBridge);
          Leases.Leased l = net.lease(vmId, name, bridge);
          return LeaseIpResponse.newBuilder()
              .setLease(l.lease().toProto())
              .setCreated(l.created())
              .build();
        });
  }

  @Override
  public void renameLease(RenameLeaseRequest req, StreamObserver<RenameLeaseResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          String vmId = NetArgs.vmId(req.getVmId());
          String name = NetArgs.vmName(req.getVmName());
          return RenameLeaseResponse.newBuilder()
              .setLease(net.rename(vmId, name).toProto())
              .build();
        });
  }

  @Override
  public void releaseIp(ReleaseIpRequest req, StreamObserver<ReleaseIpResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          return ReleaseIpResponse.newBuilder()
              .setExisted(net.releaseIp(NetArgs.vmId(req.getVmId())))
              .build();
        });
  }

  @Override
  public void listLeases(ListLeasesRequest req, StreamObserver<ListLeasesResponse> out) {
    answer(
        out,
        () -> {
          ListLeasesResponse.Builder b = ListLeasesResponse.newBuilder();
          net.leases().forEach(l -> b.addLeases(l.toProto()));
          return b.build();
        });
  }

  @Override
  public void enableNat(EnableNatRequest req, StreamObserver<EnableNatResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          VmNetworking.NatResult r = net.setNat(NetArgs.vmId(req.getVmId()), true);
          return EnableNatResponse.newBuilder()
              .setLease(r.lease().toProto())
              .setUplink(r.uplink().orElse(""))
              .build();
        });
  }

  @Override
  public void disableNat(DisableNatRequest req, StreamObserver<DisableNatResponse> out) {
    answer(
        out,
        () -> {
          NetArgs.requestId(req.getRequestId());
          return DisableNatResponse.newBuilder()
              .setLease(net.setNat(NetArgs.vmId(req.getVmId()), false).lease().toProto())
              .build();
        });
  }
}
