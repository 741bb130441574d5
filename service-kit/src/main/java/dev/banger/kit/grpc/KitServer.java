package dev.banger.kit.grpc;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.PeerAuthorizationInterceptor;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
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
 * One banger service's gRPC server: Netty epoll on a Unix domain socket, every call passed
 * through the peer-credential check, plus {@code grpc.health.v1.Health} and server reflection.
 *
 * <p>The socket appears only when it is ready and has its final mode and owner: it is bound
 * under a temporary name in the same directory, chmod/chown'ed, then renamed into place, so no
 * client ever sees it with the umask's permissions.
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

  private KitServer(Builder b, Server server, HealthStatusManager health, EventLoopGroup boss,
      EventLoopGroup workers, ExecutorService executor, SocketLock lock) {
    this.name = b.name;
    this.server = server;
    this.health = health;
    this.serviceNames = b.services.stream().map(s -> s.bindService().getServiceDescriptor().getName()).toList();
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
   * Stops taking calls, lets in-flight ones finish within the grace period, then cancels the
   * rest; removes the socket file and the lock. Idempotent.
   */
  public synchronized void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("service={} calls still running after {} ms; cancelling them", name, shutdownGrace.toMillis());
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
        throw new IOException("netty epoll is unavailable on this host: " + Epoll.unavailabilityCause());
      }
      SocketLock lock = socket == null ? null : prepareSocketPath(socket.path());
      Path bindPath = socket == null ? null : temporaryBindPath(socket.path());
      EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      EventLoopGroup workers = new MultiThreadIoEventLoopGroup(workerThreads, EpollIoHandler.newFactory());
      // Service code may block (host tools, SQLite): a virtual thread per call keeps that cheap.
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      HealthStatusManager health = new HealthStatusManager();
      try {
        NettyServerBuilder nb = socket != null
            ? NettyServerBuilder.forAddress(new DomainSocketAddress(bindPath.toString()),
                InternalNettyServerCredentials.create(new PeerCredentialsNegotiator()))
                .channelType(EpollServerDomainSocketChannel.class)
            : NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort))
                .channelType(EpollServerSocketChannel.class);
        nb.bossEventLoopGroup(boss).workerEventLoopGroup(workers).executor(executor);
        PeerAuthorizationInterceptor auth = new PeerAuthorizationInterceptor(name, policy);
        for (BindableService s : services) {
          nb.addService(ServerInterceptors.intercept(s, auth));
        }
        nb.addService(ServerInterceptors.intercept(health.getHealthService(), auth));
        nb.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth));
        @SuppressWarnings("deprecation") // v1alpha: what most grpcurl builds still ask for
        BindableService reflectionAlpha = io.grpc.protobuf.services.ProtoReflectionService.newInstance();
        nb.addService(ServerInterceptors.intercept(reflectionAlpha, auth));
        Server server = nb.build().start();
        if (socket != null) {
          publish(bindPath, socket);
        }
        for (BindableService s : services) {
          health.setStatus(s.bindService().getServiceDescriptor().getName(), ServingStatus.SERVING);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        KitServer ks = new KitServer(this, server, health, boss, workers, executor, lock);
        log.info("service={} listening on {} (mode {}, services {})", name,
            socket != null ? socket.path() : "127.0.0.1:" + server.getPort(),
            socket != null ? "0" + Integer.toOctalString(socket.mode()) : "tcp", ks.serviceNames());
        return ks;
      } catch (IOException | RuntimeException e) {
        executor.shutdownNow();
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        if (bindPath != null) {
          Files.deleteIfExists(bindPath);
        }
        if (lock != null) {
          lock.close();
        }
        throw e;
      }
    }

    /** Takes the lock, then clears a socket file a dead server left behind. */
    private SocketLock prepareSocketPath(Path path) throws IOException, SocketInUseException {
      Files.createDirectories(path.getParent());
      SocketLock lock = SocketLock.acquire(path);
      try {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
          if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
          }
          log.info("service={} removing stale socket {} (no live server holds its lock)", name, path);
          Files.delete(path);
        }
        return lock;
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw e;
      }
    }

    private static Path temporaryBindPath(Path path) throws IOException {
      Path tmp = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      Files.deleteIfExists(tmp);
      return tmp;
    }

    private static void publish(Path bound, SocketSpec spec) throws IOException {
      Files.setPosixFilePermissions(bound, spec.permissions());
      PosixFileAttributeView view = Files.getFileAttributeView(bound, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      UserPrincipalLookupService users = bound.getFileSystem().getUserPrincipalLookupService();
      if (spec.owner() != null) {
        view.setOwner(users.lookupPrincipalByName(spec.owner()));
      }
      if (spec.group() != null) {
        view.setGroup(users.lookupPrincipalByGroupName(spec.group()));
      }
      Files.move(bound, spec.path(), StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
