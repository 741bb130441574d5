package dev.banger.kit.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Client channels to banger services over their Unix sockets (epoll), shared by services and the
 * CLI.
 */
public final class UnixChannels {

  private static volatile boolean loopStarted;

  private static final class Holder {
    // One small event loop for every client channel of this process; daemon threads.
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            1,
            (java.util.concurrent.ThreadFactory)
                r -> Thread.ofPlatform().daemon().name("banger-client-io").unstarted(r),
            EpollIoHandler.newFactory());

    static {
      loopStarted = true;
    }
  }

  private UnixChannels() {}

  public static ManagedChannel forSocket(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(Holder.GROUP)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        // Local sockets: no reason to let a call linger on a dead service.
        .idleTimeout(30, TimeUnit.SECONDS)
        .build();
  }

  /**
   * Ends the client event loop, for a short-lived process (the CLI) about to exit; no-op when no
   * channel was ever made. Why: HotSpot's exit waits up to 300 ms for threads that are in native
   * code to stop there, and an idle event loop sits in {@code epoll_wait}: without this, about
   * every other {@code banger vm list} spent 300 ms just exiting (docs/cli.md, "Start-up").
   */
  public static void shutdownClientLoop(long timeout, TimeUnit unit) {
    if (loopStarted) {
      Holder.GROUP.shutdownGracefully(0, timeout, unit).awaitUninterruptibly(timeout, unit);
    }
  }
}
