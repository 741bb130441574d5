package dev.banger.kit.service;

import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;

/**
 * What a service gets from the host when it starts.
 *
 * @param liveConfig the config file as it is now, for the settings taken without a restart
 */
public record ServiceContext(
    ServiceName name,
    BangerConfig config,
    StateLayout layout,
    SqliteDatabase database,
    OperationRegistry operations,
    CommandRunner commands,
    dev.banger.kit.config.LiveConfig liveConfig) {

  /**
   * A client channel to another banger service (image-service asks disk-service for work-seeds).
   * Lazy: nothing connects until the first call, so services may start in any order.
   */
  public io.grpc.ManagedChannel channelTo(ServiceName other) {
    return dev.banger.kit.grpc.UnixChannels.forSocket(config.socketPath(other, layout));
  }
}
