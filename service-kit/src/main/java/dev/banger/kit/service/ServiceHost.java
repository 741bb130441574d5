package dev.banger.kit.service;

import com.google.inject.Inject;
import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.LiveConfig;
import dev.banger.kit.config.PolicyFactory;
import dev.banger.kit.config.ServiceConfig;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.grpc.KitServer;
import dev.banger.kit.grpc.SocketSpec;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.OperationsServiceImpl;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.state.HostIdentity;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.BindableService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a set of services in this process, each on its own socket with its own database and policy.
 * Start-up is all or nothing: if one service cannot start, the ones already up are stopped and the
 * error is thrown, so no half-started process lingers.
 */
public final class ServiceHost implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceHost.class);

  /** Default socket mode: owner and group only; the peer check then narrows to the allow list. */
  public static final int DEFAULT_SOCKET_MODE = 0660;

  private final Set<BangerService> services;
  private final BangerConfig config;
  private final StateLayout layout;
  private final CommandRunner commands;
  private final UserDirectory directory;
  private final boolean allInOne;
  private final LiveConfig live;
  private final List<Running> running = new ArrayList<>();

  private record Running(BangerService service, KitServer server) {}

  @Inject
  public ServiceHost(
      Set<BangerService> services,
      BangerConfig config,
      StateLayout layout,
      CommandRunner commands,
      UserDirectory directory,
      @AllInOne boolean allInOne,
      LiveConfig live) {
    this.live = live;
    this.services = services;
    this.config = config;
    this.layout = layout;
    this.commands = commands;
    this.directory = directory;
    this.allInOne = allInOne;
  }

  /** Starts every service in parallel; all of them are serving when this returns. */
  public synchronized List<KitServer> start() throws Exception {
    int self = HostIdentity.currentUid();
    int owner = PolicyFactory.ownerUid(config, directory, allInOne, self);
    List<BangerService> ordered =
        services.stream().sorted(Comparator.comparing(BangerService::name)).toList();
    java.util.Map<ServiceName, SocketSpec> sockets = new java.util.EnumMap<>(ServiceName.class);
    java.util.Map<Path, ServiceName> claimed = new java.util.HashMap<>();
    for (BangerService s : ordered) {
      SocketSpec spec = socketSpec(s.name());
      sockets.put(s.name(), spec);
      ServiceName other = claimed.putIfAbsent(spec.path().toAbsolutePath().normalize(), s.name());
      if (other != null) {
        throw new ConfigException(
            "services."
                + other.id()
                + " and services."
                + s.name().id()
                + " are both configured on socket "
                + spec.path()
                + "; each service needs its own");
      }
    }
    List<CompletableFuture<Running>> starts = new ArrayList<>();
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (BangerService s : ordered) {
        starts.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return startOne(s, sockets.get(s.name()), self, owner);
                  } catch (Exception e) {
                    throw new CompletionException(e);
                  }
                },
                ex));
      }
    }
    Exception first = null;
    for (CompletableFuture<Running> f : starts) {
      try {
        running.add(f.join());
      } catch (CompletionException e) {
        Exception cause = e.getCause() instanceof Exception c ? c : e;
        if (first == null) {
          first = cause;
        } else {
          first.addSuppressed(cause);
        }
      }
    }
    if (first != null) {
      close();
      throw first;
    }
    return running.stream().map(Running::server).toList();
  }

  private Running startOne(BangerService s, SocketSpec socket, int self, int owner)
      throws Exception {
    ServiceName name = s.name();
    layout.ensureFor(name);
    SqliteDatabase db = SqliteDatabase.open(layout.database(name), name.id(), s.migrations());
    OperationRegistry ops = new OperationRegistry();
    List<BindableService> grpc =
        new ArrayList<>(s.start(new ServiceContext(name, config, layout, db, ops, commands, live)));
    grpc.add(new OperationsServiceImpl(ops));
    AccessPolicy policy = PolicyFactory.build(config, name, directory, self, owner);
    KitServer.Builder b =
        KitServer.builder(name.id() + "-service")
            .unixSocket(socket)
            .policy(policy)
            .shutdownGrace(Duration.ofSeconds(config.shutdownGrace()));
    grpc.forEach(b::addService);
    try {
      return new Running(s, b.start());
    } catch (Exception e) {
      s.stop();
      throw e;
    }
  }

  /** vm calls image, net and disk; image calls disk: each wave only calls waves after it. */
  private List<List<Running>> stopWaves() {
    List<ServiceName> first = List.of(ServiceName.VM);
    List<ServiceName> second = List.of(ServiceName.IMAGE);
    List<List<Running>> waves = new ArrayList<>();
    waves.add(running.stream().filter(r -> first.contains(r.service().name())).toList());
    waves.add(running.stream().filter(r -> second.contains(r.service().name())).toList());
    waves.add(
        running.stream()
            .filter(
                r -> !first.contains(r.service().name()) && !second.contains(r.service().name()))
            .toList());
    return waves;
  }

  SocketSpec socketSpec(ServiceName name) throws ConfigException {
    ServiceConfig sc = config.service(name);
    Path path = config.socketPath(name, layout);
    int mode =
        sc.socketMode() != null ? SocketSpec.parseMode(sc.socketMode()) : DEFAULT_SOCKET_MODE;
    try {
      return new SocketSpec(path, mode, sc.socketOwner(), sc.socketGroup());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("services." + name.id() + ": " + e.getMessage());
    }
  }

  /**
   * Stops every running service, callers before the services they call (vm, then image, then net
   * and disk), so the undos of work cut short still reach their peers. Each: no new calls, drain
   * (long work rolls back), in-flight calls finish within the grace period, then the service stops.
   */
  @Override
  public synchronized void close() {
    for (List<Running> wave : stopWaves()) {
      List<Thread> stops = new ArrayList<>();
      for (Running r : wave) {
        stops.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      r.server().stopAccepting();
                      try {
                        r.service().drain();
                      } catch (RuntimeException e) {
                        log.warn(
                            "service={} drain failed: {}", r.service().name().id(), e.toString());
                      }
                      r.server().shutdown();
                      try {
                        r.service().stop();
                      } catch (RuntimeException e) {
                        log.warn(
                            "service={} stop failed: {}", r.service().name().id(), e.toString());
                      }
                    }));
      }
      for (Thread t : stops) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    running.clear();
  }
}
