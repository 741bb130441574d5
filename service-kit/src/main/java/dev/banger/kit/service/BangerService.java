package dev.banger.kit.service;

import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.util.List;

/**
 * One of the four services, as the {@link ServiceHost} sees it. A Guice module contributes it to
 * the set of services; the host gives it a database, an operation registry and a socket.
 */
public interface BangerService {

  ServiceName name();

  /** Classpath folder of this service's Flyway migrations (besides the kit's shared ones). */
  default String migrations() {
    return "db/migration/" + name().id();
  }

  /**
   * Prepares the service (its database is open and migrated) and returns the gRPC services it
   * serves. Throwing stops the start-up of the whole process with the message.
   */
  List<BindableService> start(ServiceContext context) throws Exception;

  /**
   * Graceful stop, first half: the socket takes no new calls, in-flight ones still run. Long work
   * should give up here and roll back while the services it calls are still up (the host stops
   * services that call others before the ones they call). Returns when that work is done.
   */
  default void drain() {}

  /** Releases what {@link #start} took; the socket is already closed. */
  default void stop() {}
}
