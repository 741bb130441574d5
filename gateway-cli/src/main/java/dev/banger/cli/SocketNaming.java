package dev.banger.cli;

import dev.banger.kit.grpc.StatusRewrite;
import io.grpc.ClientInterceptor;
import io.grpc.Status;
import java.nio.file.Path;

/**
 * Says which service's socket a connection failure was, and why, instead of gRPC's "io exception":
 * "vm-service's socket /run/banger/vm.sock refused the connection: Permission denied (you are uid
 * 1000)". A status the service itself sent (which may name a peer of its own that is down) is left
 * as it is.
 */
record SocketNaming(String service, Path socket) {

  /** This naming as an interceptor of the socket's channel. */
  ClientInterceptor interceptor() {
    return new StatusRewrite(this::named);
  }

  Status named(Status s) {
    if (s.getCode() != Status.Code.UNAVAILABLE || s.getCause() == null) {
      return s; // the service answered: its own words
    }
    String cause = rootMessage(s.getCause());
    if (cause.contains("Permission denied")) {
      return s.withDescription(
          service
              + "'s socket "
              + socket
              + " refused the connection: permission denied"
              + " (you are uid "
              + dev.banger.kit.state.HostIdentity.currentUid()
              + "; the socket's group or the"
              + " service's allow list must include you)");
    }
    if (cause.contains("No such file") || cause.contains("Connection refused")) {
      return s.withDescription(service + " is not running (nothing listens on " + socket + ")");
    }
    return s.withDescription(service + " at " + socket + " did not answer: " + cause);
  }

  private static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return String.valueOf(r.getMessage());
  }
}
