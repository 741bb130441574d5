package dev.banger.kit.grpc;

import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.auth.SystemdUnitOf;
import io.grpc.Attributes;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.AsciiString;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plaintext gRPC negotiation that first reads the connection's {@code SO_PEERCRED} and puts it into
 * the transport attributes ({@link PeerCredentials#TRANSPORT_ATTR}), where every call of that
 * connection finds it.
 *
 * <p>Why here: grpc-java exposes no public hook for the accepted Netty channel
 * (grpc/grpc-java#2646) and Netty's epoll channel classes are final, so the protocol negotiator —
 * reached through grpc-netty's {@code Internal*} accessors — is the one place that sees the channel
 * before the transport's attributes are fixed. Pinned by the tests of {@code KitServerTest}; a grpc
 * upgrade that breaks it fails them, never silently.
 */
final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

  private static final Logger log = LoggerFactory.getLogger(PeerCredentialsNegotiator.class);

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return new CredentialsHandler(plaintext.newHandler(grpcHandler));
  }

  @Override
  public void close() {
    plaintext.close();
  }

  /** gRPC's negotiation chatter goes to our debug log. */
  private static final io.grpc.ChannelLogger DEBUG_LOG =
      new io.grpc.ChannelLogger() {
        @Override
        public void log(ChannelLogLevel level, String message) {
          log.debug("negotiation: {}", message);
        }

        @Override
        public void log(ChannelLogLevel level, String format, Object... args) {
          if (log.isDebugEnabled()) {
            log.debug("negotiation: {}", java.text.MessageFormat.format(format, args));
          }
        }
      };

  private static final class CredentialsHandler
      extends InternalProtocolNegotiators.ProtocolNegotiationHandler {

    CredentialsHandler(ChannelHandler next) {
      super(next, "peer-credentials", DEBUG_LOG);
    }

    @Override
    protected void protocolNegotiationEventTriggered(ChannelHandlerContext ctx) {
      ProtocolNegotiationEvent pne = getProtocolNegotiationEvent();
      Attributes.Builder attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder();
      if (ctx.channel() instanceof EpollDomainSocketChannel uds) {
        try {
          io.netty.channel.unix.PeerCredentials c = uds.peerCredentials();
          attrs.set(
              PeerCredentials.TRANSPORT_ATTR,
              new PeerCredentials(c.pid(), c.uid(), c.gids()[0], new SystemdUnitOf().pid(c.pid())));
        } catch (IOException | RuntimeException e) {
          // Without credentials every call on this connection is denied by the policy.
          log.warn("could not read SO_PEERCRED of a new connection: {}", e.toString());
        }
      }
      replaceProtocolNegotiationEvent(
          InternalProtocolNegotiationEvent.withAttributes(pne, attrs.build()));
      fireProtocolNegotiationEvent(ctx);
    }
  }
}
