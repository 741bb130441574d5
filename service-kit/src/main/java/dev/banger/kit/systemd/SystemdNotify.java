package dev.banger.kit.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sd_notify(3) for a {@code Type=notify} unit: one datagram to {@code $NOTIFY_SOCKET}. Sent by the
 * JVM itself, not by the systemd-notify program: systemd attributes a message to a unit by the
 * sender's pid, and a helper that has already exited cannot be attributed (so {@code
 * NotifyAccess=main} works and nothing else in the unit may speak for it). The JDK's Unix sockets
 * are stream-only; netty's epoll transport, already here for gRPC, has datagrams.
 */
public final class SystemdNotify {

  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

  private SystemdNotify() {}

  /**
   * Tells systemd the service is ready (its sockets serve). A no-op outside systemd ({@code
   * NOTIFY_SOCKET} unset).
   *
   * @return whether a message was sent
   */
  public static boolean ready() {
    return send(
        System.getenv("NOTIFY_SOCKET"), "READY=1\nMAINPID=" + ProcessHandle.current().pid());
  }

  /** Tells systemd the service is stopping, so {@code systemctl status} says so while it drains. */
  public static boolean stopping() {
    return send(System.getenv("NOTIFY_SOCKET"), "STOPPING=1");
  }

  /**
   * @param socket a path, as systemd gives system services; an abstract name ({@code @…}) is not
   *     supported and is logged (systemd would then time the start out)
   */
  static boolean send(String socket, String message) {
    if (socket == null || socket.isBlank()) {
      return false;
    }
    if (!socket.startsWith("/")) {
      LOG.warn("NOTIFY_SOCKET {} is not a path; systemd is not told {}", socket, message);
      return false;
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
              .handler(new ChannelInboundHandlerAdapter())
              .register()
              .sync()
              .channel();
      try {
        ch.writeAndFlush(
                new DomainDatagramPacket(
                    Unpooled.copiedBuffer(message, StandardCharsets.UTF_8),
                    new DomainSocketAddress(socket)))
            .sync();
      } finally {
        ch.close().syncUninterruptibly();
      }
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("could not tell systemd {} on {}: {}", message, socket, e.toString());
      return false;
    } catch (Error e) { // an InterruptedException is an Exception; this is netty's native loader
      LOG.warn("could not tell systemd {}: {}", message, e.toString());
      return false;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
