package dev.banger.kit.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The datagram systemd would read, received on a real Unix datagram socket standing in for it. */
class SystemdNotifyTest {

  @Test
  void readyArrivesAsOneDatagramOnTheNotifySocket(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("notify");
    LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel receiver =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .handler(
                  new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                      got.add(p.content().toString(StandardCharsets.UTF_8));
                    }
                  })
              .bind(new DomainSocketAddress(socket.toString()))
              .sync()
              .channel();
      assertTrue(SystemdNotify.send(socket.toString(), "READY=1\nMAINPID=42"));
      assertEquals("READY=1\nMAINPID=42", got.poll(10, TimeUnit.SECONDS));
      receiver.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void outsideSystemdNothingIsSentAndNothingFails(@TempDir Path dir) {
    assertFalse(SystemdNotify.send(null, "READY=1"));
    assertFalse(SystemdNotify.send("", "READY=1"));
    assertFalse(SystemdNotify.send("@abstract", "READY=1"), "abstract names are not supported");
    assertFalse(
        SystemdNotify.send(dir.resolve("nobody-listens").toString(), "READY=1"),
        "a socket nobody listens on is a logged warning, not an error");
  }
}
