package dev.banger.net.testing;

import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * net-service in a child JVM inside a test's network namespace ({@link NetServiceMain} under {@code
 * ip netns exec}), with its own state directory and config. The test (or benchmark) talks to it
 * over the Unix socket; {@link #kill9} is a real SIGKILL of the service process.
 *
 * <p>{@code ip netns exec} also gives the service a mount namespace of its own, so a namespace the
 * service makes with {@code ip netns add} (a clone network) is a mount only it sees, and dies with
 * it. {@link #startSharingMounts} enters the network namespace alone ({@code nsenter --net}), as
 * net-service runs in production: its namespaces outlive a restart and the test reads them with
 * {@code ip -n}.
 */
public final class ChildNetService implements AutoCloseable {

  private static final HostCommandRunner RUN = new HostCommandRunner();

  private final NetNamespace ns;
  private final Path stateDir;
  private final Path config;
  private final Path log;
  private final boolean sharedMounts;
  private RunningProcess process;
  private ManagedChannel channel;

  private ChildNetService(
      NetNamespace ns, Path stateDir, Path config, Path log, boolean sharedMounts) {
    this.sharedMounts = sharedMounts;
    this.ns = ns;
    this.stateDir = stateDir;
    this.config = config;
    this.log = log;
  }

  /** Writes {@code configToml} beside the state and starts the service; returns once it serves. */
  public static ChildNetService start(NetNamespace ns, Path dir, String configToml)
      throws Exception {
    return start(ns, dir, configToml, false);
  }

  /** Like {@link #start}, in the test's network namespace but the host's mount namespace. */
  public static ChildNetService startSharingMounts(NetNamespace ns, Path dir, String configToml)
      throws Exception {
    return start(ns, dir, configToml, true);
  }

  private static ChildNetService start(
      NetNamespace ns, Path dir, String configToml, boolean sharedMounts) throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    Path cfg = dir.resolve("config.toml");
    Files.writeString(cfg, configToml);
    ChildNetService c =
        new ChildNetService(ns, state, cfg, dir.resolve("net-service.log"), sharedMounts);
    c.launch();
    return c;
  }

  private void launch() throws Exception {
    long mark = Files.exists(log) ? Files.size(log) : 0;
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> argv =
        new ArrayList<>(
            sharedMounts
                ? List.of("nsenter", "--net=/run/netns/" + ns.name(), "--")
                : List.of("ip", "netns", "exec", ns.name()));
    argv.addAll(
        List.of(
            java,
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xshare:auto",
            "--enable-native-access=ALL-UNNAMED",
            "-Dguice_bytecode_gen_option=DISABLED",
            "-cp",
            System.getProperty("java.class.path"),
            NetServiceMain.class.getName(),
            stateDir.toString(),
            config.toString()));
    process = RUN.start(Command.of(argv).build(), log);
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      String out = Files.exists(log) ? Files.readString(log).substring((int) mark) : "";
      if (out.contains(NetServiceMain.READY)) {
        break;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.kill();
        throw new AssertionError(
            "net-service did not come up in " + ns.name() + "; its log:\n" + out);
      }
      Thread.sleep(20);
    }
    channel = UnixChannels.forSocket(socket());
  }

  public Path socket() {
    return stateDir.resolve("run").resolve("net.sock");
  }

  public Path database() {
    return stateDir.resolve("lib").resolve("db").resolve("net").resolve("net.db");
  }

  /** This installation's id (host_settings), which names its clone namespaces. */
  public String installId() throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + database());
        java.sql.ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT value FROM host_settings WHERE key = 'install_id'")) {
      if (!rs.next()) {
        throw new IllegalStateException("no install id in " + database());
      }
      return rs.getString(1);
    }
  }

  public Path stateDir() {
    return stateDir;
  }

  public String log() throws Exception {
    return Files.readString(log);
  }

  public long pid() {
    return process.pid();
  }

  public NetServiceGrpc.NetServiceBlockingStub stub() {
    return NetServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** SIGKILL: no shutdown hook, no cleanup, like a crash. */
  public void kill9() throws Exception {
    closeChannel();
    process.kill();
    process.waitFor(Duration.ofSeconds(10));
  }

  /**
   * Starts the service again on the same state and config (after {@link #kill9} or {@link #stop}).
   */
  public void restart() throws Exception {
    if (process.isAlive()) {
      stop();
    }
    launch();
  }

  /** SIGTERM and wait: the clean stop. */
  public int stop() throws Exception {
    closeChannel();
    return process.stop(Duration.ofSeconds(20));
  }

  private void closeChannel() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      channel = null;
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      stop();
    }
  }
}
