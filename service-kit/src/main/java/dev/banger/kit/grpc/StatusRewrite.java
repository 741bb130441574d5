package dev.banger.kit.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.function.UnaryOperator;

/**
 * A client interceptor that rewrites the status a call closes with, so the caller's error can name
 * what gRPC cannot know (which service, which socket, why). Used by vm-service for its peers and by
 * the CLI for the services' sockets.
 */
public final class StatusRewrite implements ClientInterceptor {

  private final UnaryOperator<Status> rewrite;

  public StatusRewrite(UnaryOperator<Status> rewrite) {
    this.rewrite = rewrite;
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<A> listener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                super.onClose(rewrite.apply(status), trailers);
              }
            },
            headers);
      }
    };
  }
}
