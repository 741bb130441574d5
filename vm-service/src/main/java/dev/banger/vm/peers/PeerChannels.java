package dev.banger.vm.peers;

import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.grpc.StatusRewrite;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * vm-service's channels to the other three services. Each call:
 *
 * <ul>
 *   <li>first waits, up to {@link #CONNECT_WAIT}, for the peer to be reachable, skipping the
 *       channel's reconnect backoff: a peer that restarts costs the caller its start-up, not a
 *       failed call (the backoff alone made calls fail for ~3 s after a disk-service restart). Not
 *       gRPC's wait-for-ready: that would wait for a peer that is down until the call's deadline
 *       (ten minutes for disk work), where this gives up after the connect wait;
 *   <li>is bounded by a deadline, so a hung peer fails a step (and its undos run) instead of
 *       holding a VM's lock forever;
 *   <li>fails, when the peer is down, with a status that names the peer service.
 * </ul>
 */
public final class PeerChannels implements AutoCloseable {

  /** Disk work (a sparse copy of a multi-GiB rootfs, resize2fs) is the slowest thing asked for. */
  static final long DISK_DEADLINE_SECONDS = 600;

  static final long DEADLINE_SECONDS = 60;

  /**
   * A peer's start-up (JVM, SQLite, reconcile) takes a few seconds; more is a peer that is down.
   */
  static final Duration CONNECT_WAIT = Duration.ofSeconds(20);

  private final Peer disk;
  private final Peer net;
  private final Peer image;

  public PeerChannels(ManagedChannel disk, ManagedChannel net, ManagedChannel image) {
    this(disk, net, image, CONNECT_WAIT);
  }

  /**
   * @param connectWait how long a call waits for its peer to be reachable
   */
  PeerChannels(
      ManagedChannel disk, ManagedChannel net, ManagedChannel image, Duration connectWait) {
    this.disk = new Peer("disk-service", disk, connectWait);
    this.net = new Peer("net-service", net, connectWait);
    this.image = new Peer("image-service", image, connectWait);
  }

  DiskServiceGrpc.DiskServiceBlockingStub disk() {
    return DiskServiceGrpc.newBlockingStub(disk.ready())
        .withDeadlineAfter(DISK_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** For the client-streamed WriteWorkDiskTree: bounded by the caller's own send timeout. */
  public DiskServiceGrpc.DiskServiceStub diskStreaming(long seconds) {
    return DiskServiceGrpc.newStub(disk.ready()).withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  NetServiceGrpc.NetServiceBlockingStub net() {
    return NetServiceGrpc.newBlockingStub(net.ready())
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  ImageServiceGrpc.ImageServiceBlockingStub image() {
    return ImageServiceGrpc.newBlockingStub(image.ready())
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** Closes the channels; vm-service calls this last, after its in-flight work rolled back. */
  @Override
  public void close() {
    disk.channel.shutdownNow();
    net.channel.shutdownNow();
    image.channel.shutdownNow();
  }

  /** One peer: its channel, and the name its failures carry. */
  private static final class Peer {
    final String name;
    final ManagedChannel channel;
    final Channel named;
    final Duration connectWait;

    Peer(String name, ManagedChannel channel, Duration connectWait) {
      this.name = name;
      this.channel = channel;
      this.connectWait = connectWait;
      this.named = ClientInterceptors.intercept(channel, new StatusRewrite(st -> named(name, st)));
    }

    /**
     * The channel once it is READY, or after the connect wait: the call itself then fails with the
     * peer named. A channel in backoff is told to reconnect now.
     */
    Channel ready() {
      long deadline = System.nanoTime() + connectWait.toNanos();
      ConnectivityState s = channel.getState(true);
      while (s != ConnectivityState.READY && s != ConnectivityState.SHUTDOWN) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        if (s == ConnectivityState.TRANSIENT_FAILURE || s == ConnectivityState.IDLE) {
          channel.resetConnectBackoff();
        }
        CountDownLatch changed = new CountDownLatch(1);
        channel.notifyWhenStateChanged(s, changed::countDown);
        try {
          changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        s = channel.getState(true);
      }
      return named;
    }
  }

  /** An UNAVAILABLE or DEADLINE_EXCEEDED status, prefixed with the peer's name. */
  private static Status named(String peer, Status s) {
    if (s.getCode() != Status.Code.UNAVAILABLE && s.getCode() != Status.Code.DEADLINE_EXCEEDED) {
      return s;
    }
    String why = s.getDescription() == null ? s.getCode().name() : s.getDescription();
    return s.withDescription(peer + " did not answer: " + why);
  }
}
