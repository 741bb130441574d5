package dev.banger.kit.auth;

import dev.banger.kit.grpc.Errors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every call's peer credentials against the service's {@link AccessPolicy} before any
 * service code runs. A refused call is closed with PERMISSION_DENIED naming the uid the caller was
 * seen as, and logged; nothing is executed.
 */
public final class PeerAuthorizationInterceptor implements ServerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(PeerAuthorizationInterceptor.class);

  private final String serviceName;
  private final AccessPolicy policy;

  public PeerAuthorizationInterceptor(String serviceName, AccessPolicy policy) {
    this.serviceName = serviceName;
    this.policy = policy;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    PeerCredentials peer = call.getAttributes().get(PeerCredentials.TRANSPORT_ATTR);
    AccessPolicy.Decision decision = policy.decide(peer, method);
    if (!decision.allowed()) {
      String who =
          peer == null ? "a peer without credentials (not a Unix socket)" : peer.toString();
      log.warn(
          "denied service={} method={} peer={} rule=\"{}\"",
          serviceName,
          method,
          who,
          decision.rule());
      Map<String, String> meta =
          peer == null
              ? Map.of("method", method, "service", serviceName)
              : Map.of(
                  "method",
                  method,
                  "service",
                  serviceName,
                  "uid",
                  Integer.toString(peer.uid()),
                  "gid",
                  Integer.toString(peer.gid()),
                  "pid",
                  Integer.toString(peer.pid()));
      Errors.close(
          call,
          Status.PERMISSION_DENIED.withDescription(
              serviceName + " refuses " + who + ": not allowed to call " + method),
          "PEER_NOT_ALLOWED",
          meta);
      return new ServerCall.Listener<>() {};
    }
    log.debug(
        "allowed service={} method={} peer={} rule=\"{}\"",
        serviceName,
        method,
        peer,
        decision.rule());
    Context ctx = Context.current().withValue(PeerCredentials.CONTEXT_KEY, peer);
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
