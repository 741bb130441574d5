package dev.banger.cli.system;

import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.RemoveBridgeResponse;
import dev.banger.cli.CliException;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The host network a purge removes: net-service's bridge, and with it the warm taps and NAT rules
 * (its RemoveBridge), asked of the running net-service before the units stop. Warm taps and the
 * bridge outlive a restart of net-service on purpose (VMs keep their network), so only net-service
 * knows which links are its own; the CLI never deletes links by name.
 */
final class NetworkPurge {

  private NetworkPurge() {}

  /**
   * @return false when net-service is not running (its links, if any, stay and are named)
   * @throws CliException when net-service refuses (a VM still holds a lease): the caller stops
   *     before removing anything, so the purge can be run again once the VMs are gone
   */
  static boolean removeBridge(StateLayout state, PrintWriter out) {
    Path socket = state.socket(ServiceName.NET);
    if (!Files.exists(socket)) {
      out.println(
          "network  net-service is not running (no "
              + socket
              + "): its bridge and warm taps, if any, stay (ip link show | grep banger)");
      return false;
    }
    ManagedChannel ch = UnixChannels.forSocket(socket);
    try {
      RemoveBridgeResponse r =
          NetServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .removeBridge(
                  RemoveBridgeRequest.newBuilder()
                      .setRequestId(UUID.randomUUID().toString())
                      .build());
      out.println(
          r.getDeleted()
              ? "network  bridge, warm taps and NAT rules removed"
              : "network  no bridge of banger's to remove");
      return true;
    } catch (StatusRuntimeException e) {
      throw new CliException(
          "uninstall --purge stopped before removing anything: net-service did not remove its"
              + " bridge ("
              + e.getStatus().getCode()
              + ": "
              + e.getStatus().getDescription()
              + "); delete the VMs first ('banger vm prune'), then run it again");
    } finally {
      ch.shutdownNow();
    }
  }
}
