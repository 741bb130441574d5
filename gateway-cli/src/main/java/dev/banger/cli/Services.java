package dev.banger.cli;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The CLI's channels to the services of one layout, opened on first use. */
public final class Services implements AutoCloseable {

  /**
   * Long work (a boot, a pull) streams progress; a stream that sees nothing for this long is given
   * up.
   */
  static final long LONG_DEADLINE_MINUTES = 60;

  public static final long SHORT_DEADLINE_SECONDS = 120;

  final StateLayout layout;
  private final Map<ServiceName, ManagedChannel> channels = new EnumMap<>(ServiceName.class);

  Services(StateLayout layout) {
    this.layout = layout;
  }

  public synchronized io.grpc.Channel channel(ServiceName s) {
    ManagedChannel c =
        channels.computeIfAbsent(
            s,
            k -> {
              Path socket = layout.socket(k);
              if (!Files.exists(socket)) {
                throw new CliException(
                    "banger's "
                        + k.id()
                        + " service is not running (no "
                        + socket
                        + ") — start it with 'bangerd --all' or see 'banger status'");
              }
              return UnixChannels.forSocket(socket);
            });
    return io.grpc.ClientInterceptors.intercept(
        c, new SocketNaming(s.id() + "-service", layout.socket(s)).interceptor());
  }

  public VmServiceGrpc.VmServiceBlockingStub vm() {
    return VmServiceGrpc.newBlockingStub(channel(ServiceName.VM))
        .withDeadlineAfter(SHORT_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public VmServiceGrpc.VmServiceBlockingStub vmLong() {
    return VmServiceGrpc.newBlockingStub(channel(ServiceName.VM))
        .withDeadlineAfter(LONG_DEADLINE_MINUTES, TimeUnit.MINUTES);
  }

  public dev.banger.api.vm.v1.SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshots() {
    return dev.banger.api.vm.v1.SnapshotServiceGrpc.newBlockingStub(channel(ServiceName.VM))
        .withDeadlineAfter(SHORT_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** For a snapshot's create, which streams progress while a large memory is saved. */
  public dev.banger.api.vm.v1.SnapshotServiceGrpc.SnapshotServiceBlockingStub snapshotsLong() {
    return dev.banger.api.vm.v1.SnapshotServiceGrpc.newBlockingStub(channel(ServiceName.VM))
        .withDeadlineAfter(LONG_DEADLINE_MINUTES, TimeUnit.MINUTES);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub image() {
    return ImageServiceGrpc.newBlockingStub(channel(ServiceName.IMAGE))
        .withDeadlineAfter(SHORT_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub imageLong() {
    return ImageServiceGrpc.newBlockingStub(channel(ServiceName.IMAGE))
        .withDeadlineAfter(LONG_DEADLINE_MINUTES, TimeUnit.MINUTES);
  }

  /**
   * banger's own SSH key and known_hosts (vm-service made them; the user's ~/.ssh is never used).
   */
  public Path sshKey() {
    return layout.libDir().resolve("ssh/id_ed25519");
  }

  public Path knownHosts() {
    return layout.libDir().resolve("ssh/known_hosts");
  }

  @Override
  public synchronized void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
