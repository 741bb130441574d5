package dev.banger.bangerd;

import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import dev.banger.kit.state.ServiceName;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * banger's four services for end-to-end VM tests: bangerd in a child JVM inside a network namespace
 * the test made, so the bridge, taps, DNS and guests exist only there. The sockets are plain files,
 * reachable from outside.
 */
final class VmStack implements AutoCloseable {

  static final HostCommandRunner RUN = new HostCommandRunner();

  final String netns;
  final Path state;
  final Path config;
  private final Path log;
  private final Map<ServiceName, ManagedChannel> channels = new ConcurrentHashMap<>();
  private RunningProcess bangerd;

  VmStack(String netns, Path state, String configToml) throws Exception {
    this(netns, state, configToml, "bangerd.log");
  }

  /**
   * @param logName the log file under {@code state}: one per process when services run apart
   */
  VmStack(String netns, Path state, String configToml, String logName) throws Exception {
    this.netns = netns;
    this.state = state;
    this.config = state.resolve("config.toml");
    this.log = state.resolve(logName);
    Files.createDirectories(state);
    Files.writeString(config, configToml);
  }

  static void createNetns(String name) throws Exception {
    RUN.check(Command.of("ip", "netns", "add", name).build());
    RUN.check(Command.of("ip", "-n", name, "link", "set", "lo", "up").build());
  }

  static void deleteNetns(String name) throws Exception {
    RUN.run(Command.of("ip", "netns", "del", name).build());
  }

  /**
   * Deletes the names of clone namespaces (docs/net-service.md) that this stack's net-service made
   * and could not remove because it was stopped with clones running: under {@code ip netns exec} a
   * namespace dies with the service, but its name stays in /run/netns. The install id is read from
   * the service's log, so other installations' names are left alone.
   */
  void deleteCloneNetnsNames() throws Exception {
    java.util.Optional<String> install = dev.banger.net.testing.NetNamespace.installIdIn(log());
    if (install.isPresent()) {
      dev.banger.net.testing.NetNamespace.deleteCloneNamespaces(install.get());
    }
  }

  /**
   * Starts bangerd with {@code args} (e.g. "--all"), inside the namespace when {@code inNetns};
   * returns once it serves.
   */
  void start(boolean inNetns, String... args) throws Exception {
    long mark = Files.exists(log) ? Files.size(log) : 0;
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> argv = new ArrayList<>();
    if (inNetns) {
      argv.addAll(List.of("ip", "netns", "exec", netns));
    }
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
            Bangerd.class.getName()));
    argv.addAll(List.of(args));
    argv.addAll(List.of("--state-dir", state.toString(), "--config", config.toString()));
    bangerd = RUN.start(Command.of(argv).build(), log);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      String out = Files.exists(log) ? Files.readString(log).substring((int) mark) : "";
      if (out.contains("bangerd: serving")) {
        return;
      }
      if (!bangerd.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("bangerd did not come up; its log:\n" + out);
      }
      Thread.sleep(100);
    }
  }

  long pid() {
    return bangerd.pid();
  }

  /** SIGTERM and wait (a clean stop). */
  void stop() throws Exception {
    if (bangerd != null && bangerd.isAlive()) {
      bangerd.terminate();
      if (bangerd.waitFor(Duration.ofSeconds(30)).isEmpty()) {
        bangerd.kill();
      }
    }
    dropChannels();
  }

  /** A real SIGKILL of the service process: no shutdown hook runs. */
  void kill9() throws Exception {
    RUN.check(Command.of("kill", "-9", Long.toString(javaPid())).build());
    bangerd.waitFor(Duration.ofSeconds(30));
    dropChannels();
  }

  /**
   * The JVM's pid: under {@code ip netns exec} the started process execs into java, so it is the
   * same.
   */
  private long javaPid() {
    return bangerd.pid();
  }

  ManagedChannel channel(ServiceName s) {
    return channels.computeIfAbsent(
        s, k -> UnixChannels.forSocket(state.resolve("run").resolve(k.id() + ".sock")));
  }

  private void dropChannels() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }

  String log() throws Exception {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Runs a command inside the test's namespace. */
  CommandResult inNetns(Duration timeout, String... argv) throws Exception {
    List<String> a = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    a.addAll(List.of(argv));
    return RUN.run(Command.of(a).timeout(timeout).build());
  }

  /** ssh to the guest with banger's own key and known_hosts, from inside the namespace. */
  CommandResult ssh(String ip, String command) throws Exception {
    Path ssh = state.resolve("lib/ssh");
    return inNetns(
        Duration.ofSeconds(60),
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        ssh.resolve("id_ed25519").toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "UserKnownHostsFile=" + ssh.resolve("known_hosts"),
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=15",
        "root@" + ip,
        command);
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
