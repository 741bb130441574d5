package dev.banger.kit.grpc;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.PeerAuthorizationInterceptor;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One banger service's gRPC server: Netty epoll on a Unix domain socket, every call passed through
 * the peer-credential check, plus {@code grpc.health.v1.Health} and server reflection.
 *
 * <p>The socket path appears only when the server is ready and the socket has its final mode and
 * owner: it is bound inside a private 0700 directory of random name beside it (where no one else
 * can connect or plant a link), chmod/chown'ed there, then renamed into place.
 *
 * <p>Failure at any step releases everything taken so far: lock, temporary socket, threads.
 */
public final class KitServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KitServer.class);

  /** S_IFMT / S_IFSOCK from stat(2). */
  private static final int S_IFMT = 0170000;

  private static final int S_IFSOCK = 0140000;

  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final List<String> serviceNames;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService executor;
  private final SocketLock lock;
  private final Path socketPath;
  private final Duration shutdownGrace;
  private boolean stopped;

  private KitServer(
      Builder b,
      List<String> serviceNames,
      Server server,
      HealthStatusManager health,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService executor,
      SocketLock lock) {
    this.name = b.name;
    this.server = server;
    this.health = health;
    this.serviceNames = serviceNames;
    this.boss = boss;
    this.workers = workers;
    this.executor = executor;
    this.lock = lock;
    this.socketPath = b.socket == null ? null : b.socket.path();
    this.shutdownGrace = b.shutdownGrace;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public String name() {
    return name;
  }

  /** The socket path, or null for a TCP server. */
  public Path socketPath() {
    return socketPath;
  }

  /** The bound TCP port, or -1 for a Unix socket server. */
  public int port() {
    return socketPath == null ? server.getPort() : -1;
  }

  /** Fully-qualified names of the banger services served (health/reflection excluded). */
  public List<String> serviceNames() {
    return serviceNames;
  }

  /**
   * Stops taking calls, lets in-flight ones finish within the grace period, then cancels the rest;
   * removes the socket file and the lock. Idempotent.
   */
  public synchronized void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    stopAccepting();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "service={} calls still running after {} ms; cancelling them",
            name,
            shutdownGrace.toMillis());
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (socketPath != null) {
      try {
        Files.deleteIfExists(socketPath);
      } catch (IOException e) {
        log.warn("service={} could not remove {}: {}", name, socketPath, e.toString());
      }
    }
    if (lock != null) {
      try {
        lock.close();
      } catch (IOException e) {
        log.warn("service={} could not release socket lock: {}", name, e.toString());
      }
    }
    log.info("service={} stopped", name);
  }

  /**
   * Takes no new calls (health says NOT_SERVING) and lets the ones under way run; {@link
   * #shutdown()} then waits for them. Idempotent.
   */
  public void stopAccepting() {
    health.enterTerminalState();
    server.shutdown();
  }

  @Override
  public void close() {
    shutdown();
  }

  /** Assembles and starts a {@link KitServer}. */
  public static final class Builder {
    private final String name;
    private SocketSpec socket;
    private int tcpPort = -1;
    private AccessPolicy policy = AccessPolicy.denyAll();
    private final List<BindableService> services = new ArrayList<>();
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private int workerThreads = 2;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name);
    }

    public Builder unixSocket(SocketSpec spec) {
      this.socket = spec;
      return this;
    }

    /**
     * Listens on 127.0.0.1 instead (port 0 picks one). TCP peers carry no credentials, so the
     * policy must say {@code any} for them to get through: for benchmarks and tests only.
     */
    public Builder tcpLoopback(int port) {
      this.tcpPort = port;
      return this;
    }

    public Builder policy(AccessPolicy p) {
      this.policy = Objects.requireNonNull(p);
      return this;
    }

    public Builder addService(BindableService s) {
      services.add(s);
      return this;
    }

    public Builder shutdownGrace(Duration d) {
      this.shutdownGrace = d;
      return this;
    }

    public Builder workerThreads(int n) {
      this.workerThreads = n;
      return this;
    }

    public KitServer start() throws IOException, SocketInUseException {
      if ((socket == null) == (tcpPort < 0)) {
        throw new IllegalStateException("give exactly one of unixSocket(...) or tcpLoopback(...)");
      }
      if (!Epoll.isAvailable()) {
        throw new IOException(
            "netty epoll is unavailable on this host: " + Epoll.unavailabilityCause());
      }
      HealthStatusManager health = new HealthStatusManager();
      List<ServerServiceDefinition> definitions = definitions(health);
      // The caller's services come first; their names are what health reports.
      List<String> serviceNames =
          definitions.subList(0, services.size()).stream()
              .map(d -> d.getServiceDescriptor().getName())
              .toList();
      checkPolicyNamesExist(definitions);
      // Everything acquired is released on any failure below: nothing half-started remains.
      SocketLock lock = null;
      Path bindPath = null;
      boolean published = false;
      Server server = null;
      EventLoopGroup boss = null;
      EventLoopGroup workers = null;
      ExecutorService executor = null;
      try {
        if (socket != null) {
          lock = prepareSocketPath(socket.path());
          bindPath = temporaryBindPath(socket.path());
        }
        boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(workerThreads, EpollIoHandler.newFactory());
        // Service code may block (host tools, SQLite): a virtual thread per call keeps that cheap.
        executor = Executors.newVirtualThreadPerTaskExecutor();
        NettyServerBuilder nb =
            socket != null
                ? NettyServerBuilder.forAddress(
                        new DomainSocketAddress(bindPath.toString()),
                        InternalNettyServerCredentials.create(new PeerCredentialsNegotiator()))
                    .channelType(EpollServerDomainSocketChannel.class)
                : NettyServerBuilder.forAddress(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort))
                    .channelType(EpollServerSocketChannel.class);
        nb.bossEventLoopGroup(boss).workerEventLoopGroup(workers).executor(executor);
        // Every service on the socket, health and reflection included, passes the peer check.
        PeerAuthorizationInterceptor auth = new PeerAuthorizationInterceptor(name, policy);
        for (ServerServiceDefinition d : definitions) {
          nb.addService(ServerInterceptors.intercept(d, auth));
        }
        server = nb.build().start();
        if (socket != null) {
          publish(bindPath, socket);
          published = true;
        }
        for (String service : serviceNames) {
          health.setStatus(service, ServingStatus.SERVING);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        KitServer ks =
            new KitServer(this, serviceNames, server, health, boss, workers, executor, lock);
        log.info(
            "service={} listening on {} (mode {}, services {})",
            name,
            socket != null ? socket.path() : "127.0.0.1:" + server.getPort(),
            socket != null ? "0" + Integer.toOctalString(socket.mode()) : "tcp",
            ks.serviceNames());
        return ks;
      } catch (IOException | RuntimeException e) {
        if (server != null) {
          server.shutdownNow();
        }
        if (executor != null) {
          executor.shutdownNow();
        }
        if (boss != null) {
          boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        if (workers != null) {
          workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        Path bound = bindPath;
        SocketLock held = lock;
        undo(bound != null, () -> deletePrivateBindDir(bound), e);
        undo(published, () -> Files.deleteIfExists(socket.path()), e);
        undo(held != null, () -> held.close(), e);
        throw e;
      }
    }

    /**
     * The services as served, each bound once: the caller's first, then health and reflection (v1,
     * and v1alpha for older grpcurl).
     */
    private List<ServerServiceDefinition> definitions(HealthStatusManager health) {
      List<ServerServiceDefinition> defs = new ArrayList<>();
      for (BindableService s : services) {
        defs.add(s.bindService());
      }
      defs.add(health.getHealthService().bindService());
      defs.add(ProtoReflectionServiceV1.newInstance().bindService());
      @SuppressWarnings("deprecation")
      BindableService reflectionAlpha =
          io.grpc.protobuf.services.ProtoReflectionService.newInstance();
      defs.add(reflectionAlpha.bindService());
      return defs;
    }

    /**
     * A per-method rule naming a method or service that does not exist would never match, and the
     * broader default would apply: a typo that fails open. Refuse it at start-up.
     */
    private void checkPolicyNamesExist(List<ServerServiceDefinition> defs) {
      java.util.Set<String> known = new java.util.HashSet<>();
      for (ServerServiceDefinition d : defs) {
        known.add(d.getServiceDescriptor().getName() + "/*");
        d.getMethods().forEach(m -> known.add(m.getMethodDescriptor().getFullMethodName()));
      }
      for (String rule : policy.ruleNames()) {
        if (!known.contains(rule)) {
          throw new IllegalArgumentException(
              name
                  + ": access rule for \""
                  + rule
                  + "\" names no method or service served here (known: "
                  + new java.util.TreeSet<>(known)
                  + ")");
        }
      }
    }

    /** One clean-up step of a failed start: its own failure is attached, never thrown. */
    private interface IoStep {
      void run() throws IOException;
    }

    private static void undo(boolean needed, IoStep step, Exception into) {
      if (!needed) {
        return;
      }
      try {
        step.run();
      } catch (IOException suppressed) {
        into.addSuppressed(suppressed);
      }
    }

    /** Takes the lock, then clears a socket file a dead server left behind. */
    private SocketLock prepareSocketPath(Path path) throws IOException, SocketInUseException {
      Files.createDirectories(path.getParent());
      SocketLock lock = SocketLock.acquire(path);
      try {
        checkDirectoryIsNotOpenToAll(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          if (!isSocket(path)) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
          }
          if (somethingListens(path)) {
            throw new IOException(
                path + " is a socket another program is listening on; refusing to replace it");
          }
          log.info(
              "service={} removing stale socket {} (no live server holds its lock)", name, path);
          Files.delete(path);
        }
        removeDeadTemporaryBinds(path);
        return lock;
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw e;
      }
    }

    /**
     * A run directory anyone may write to, without the sticky bit, lets anyone replace our socket:
     * refuse it. (Group-writable is fine: that is the shared {@code banger} group.)
     */
    private static void checkDirectoryIsNotOpenToAll(Path dir) throws IOException {
      int mode = (Integer) Files.getAttribute(dir, "unix:mode");
      boolean otherWritable = (mode & 0002) != 0;
      boolean sticky = (mode & 01000) != 0;
      if (otherWritable && !sticky) {
        throw new IOException(
            dir
                + " is writable by everyone without the sticky bit (mode 0"
                + Integer.toOctalString(mode & 07777)
                + "); refusing to serve a socket there");
      }
    }

    private static boolean somethingListens(Path path) {
      try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        ch.connect(java.net.UnixDomainSocketAddress.of(path));
        return true;
      } catch (IOException e) {
        return false; // ECONNREFUSED: a dead socket file
      }
    }

    private static final String BIND_NAME = "s";

    /**
     * Private bind directories ({@code .vm.sock.<random>/}) of servers that died before publishing.
     * Ours to remove because we hold this socket's lock.
     */
    private void removeDeadTemporaryBinds(Path path) throws IOException {
      String prefix = "." + path.getFileName() + ".";
      try (var siblings =
          Files.newDirectoryStream(
              path.getParent(),
              p ->
                  p.getFileName().toString().startsWith(prefix)
                      && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
        for (Path d : siblings) {
          log.info("service={} removing {} left by a server that died while starting", name, d);
          deletePrivateBindDir(d.resolve(BIND_NAME));
        }
      }
    }

    private static boolean isSocket(Path p) throws IOException {
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (mode & S_IFMT) == S_IFSOCK;
    }

    /**
     * A fresh private directory (0700, random name) beside the final socket to bind in: nobody else
     * can enter it, so chmod there cannot be redirected through a planted link, and no client can
     * connect before the socket has its final mode.
     */
    private static Path temporaryBindPath(Path path) throws IOException {
      String rnd =
          Long.toHexString(
              java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffffL);
      Path dir = path.resolveSibling("." + path.getFileName() + "." + rnd);
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path bind = dir.resolve(BIND_NAME);
      if (bind.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          > SocketSpec.MAX_PATH_BYTES) {
        Files.delete(dir);
        throw new IOException(
            "socket path "
                + path
                + " leaves no room for its temporary bind name (kernel limit "
                + SocketSpec.MAX_PATH_BYTES
                + " bytes); choose a shorter --state-dir");
      }
      return bind;
    }

    private static void deletePrivateBindDir(Path bound) throws IOException {
      Files.deleteIfExists(bound);
      Files.deleteIfExists(bound.getParent());
    }

    private static void publish(Path bound, SocketSpec spec) throws IOException {
      Files.setPosixFilePermissions(bound, spec.permissions());
      PosixFileAttributeView view =
          Files.getFileAttributeView(
              bound, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      UserPrincipalLookupService users = bound.getFileSystem().getUserPrincipalLookupService();
      try {
        if (spec.owner() != null) {
          view.setOwner(users.lookupPrincipalByName(spec.owner()));
        }
      } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
        throw new IOException(
            "socket_owner \"" + spec.owner() + "\" is not a user on this host", e);
      }
      try {
        if (spec.group() != null) {
          view.setGroup(users.lookupPrincipalByGroupName(spec.group()));
        }
      } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
        throw new IOException(
            "socket_group \"" + spec.group() + "\" is not a group on this host", e);
      }
      Files.move(bound, spec.path(), StandardCopyOption.ATOMIC_MOVE);
      Files.delete(bound.getParent());
    }
  }
}
