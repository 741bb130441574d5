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

/** Client channels to banger services over their Unix sockets (epoll), shared by services and the CLI. */
public final class UnixChannels {

  private static final class Holder {
    // One small event loop for every client channel of this process; daemon threads.
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1,
        (java.util.concurrent.ThreadFactory) r -> Thread.ofPlatform().daemon().name("banger-client-io").unstarted(r),
        EpollIoHandler.newFactory());
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
}
