package dev.banger.bangerd;

import com.google.inject.Guice;
import com.google.inject.Module;
import dev.banger.disk.DiskServiceModule;
import dev.banger.image.ImageServiceModule;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.grpc.KitServer;
import dev.banger.kit.grpc.SocketInUseException;
import dev.banger.kit.service.KitModule;
import dev.banger.kit.service.ServiceHost;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import dev.banger.kit.systemd.SystemdNotify;
import dev.banger.net.NetServiceModule;
import dev.banger.vm.VmServiceModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one launcher for banger's services: {@code bangerd --service vm} runs one (production, one
 * systemd unit per service), {@code bangerd --all --state-dir DIR} runs all four in this JVM, each
 * on its own socket under {@code DIR/run}. Same code, sockets and checks either way.
 *
 * <p>Exit codes: 143 (128+SIGTERM, the JVM's convention) after a clean stop on SIGTERM, 130 on
 * SIGINT, 1 could not start (message on stderr), 2 usage error, 3 another bangerd already serves
 * one of the sockets.
 */
@Command(
    name = "bangerd",
    mixinStandardHelpOptions = true,
    versionProvider = Bangerd.Version.class,
    description = "Runs banger's gRPC services on their Unix sockets.")
public final class Bangerd implements Callable<Integer> {

  static final int EXIT_START_FAILED = 1;
  static final int EXIT_SOCKET_IN_USE = 3;
  private static final Logger log = LoggerFactory.getLogger(Bangerd.class);

  static final class Which {
    @Option(
        names = "--service",
        paramLabel = "NAME",
        description = "Run one service: image, vm, net or disk.")
    String service;

    @Option(names = "--all", description = "Run all four services in this process.")
    boolean all;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "Keep everything under DIR (lib/, cache/, run/) instead of /var/lib, /var/cache and /run.")
  Path stateDir;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Config file (default: /etc/banger/config.toml if present).")
  Path config;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    List<ServiceName> chosen;
    try {
      chosen =
          which.all ? List.of(ServiceName.values()) : List.of(ServiceName.parse(which.service));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    List<Module> modules = new ArrayList<>(chosen.stream().map(Bangerd::moduleOf).toList());
    BangerConfig cfg;
    try {
      cfg = ConfigLoader.load(config);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("bangerd: " + e.getMessage());
      return EXIT_START_FAILED;
    }
    StateLayout layout = stateDir != null ? StateLayout.under(stateDir) : StateLayout.production();
    modules.add(
        new KitModule(cfg, layout, which.all, new dev.banger.kit.config.LiveConfig(config, cfg)));

    ServiceHost host = Guice.createInjector(modules).getInstance(ServiceHost.class);
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM/SIGINT run shutdown hooks: drain in-flight calls (bounded), remove sockets.
    // Registered before start-up, so a signal during migrations still cleans up.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping");
                  SystemdNotify.stopping();
                  host.close();
                  stopped.countDown();
                },
                "bangerd-shutdown"));
    List<KitServer> servers;
    try {
      servers = host.start();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("bangerd: " + e.getMessage());
      return EXIT_START_FAILED;
    } catch (Exception e) {
      SocketInUseException inUse = findSocketInUse(e);
      if (inUse != null) {
        spec.commandLine().getErr().println("bangerd: " + inUse.getMessage());
        return EXIT_SOCKET_IN_USE;
      }
      log.error("start-up failed", e);
      spec.commandLine().getErr().println("bangerd: could not start: " + e.getMessage());
      return EXIT_START_FAILED;
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    // The one line scripts wait for; everything else goes to the log.
    spec.commandLine()
        .getOut()
        .printf(
            "bangerd: serving %s in %d ms (pid %d)%n",
            String.join(
                ", ", servers.stream().map(k -> k.name() + " on " + k.socketPath()).toList()),
            ms,
            ProcessHandle.current().pid());
    spec.commandLine().getOut().flush();
    // Type=notify units: systemctl start (and restart, and install) return only now.
    SystemdNotify.ready();
    stopped.await();
    return 0;
  }

  private static Module moduleOf(ServiceName s) {
    return switch (s) {
      case IMAGE -> new ImageServiceModule();
      case VM -> new VmServiceModule();
      case NET -> new NetServiceModule();
      case DISK -> new DiskServiceModule();
    };
  }

  /** Services start in parallel: the socket conflict may be the error or a suppressed one. */
  private static SocketInUseException findSocketInUse(Throwable t) {
    if (t instanceof SocketInUseException s) {
      return s;
    }
    for (Throwable sup : t.getSuppressed()) {
      if (sup instanceof SocketInUseException s) {
        return s;
      }
    }
    return t.getCause() == null || t.getCause() == t ? null : findSocketInUse(t.getCause());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Bangerd.class.getPackage().getImplementationVersion();
      return new String[] {"bangerd " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Bangerd()).execute(args);
    // Reached with 0 only once a signal's shutdown hook ran; the JVM is already exiting.
    if (code != 0) {
      System.exit(code);
    }
  }
}
