package dev.banger.kit.auth;

import io.grpc.Attributes;
import io.grpc.Context;

/**
 * Who is on the other end of a Unix socket, as the kernel saw it at connect time ({@code
 * SO_PEERCRED}): process id, user id, primary group id. Unforgeable by the peer. {@code unit} is
 * the systemd unit that process ran in at connect time ({@link SystemdUnitOf}), "" for none.
 */
public record PeerCredentials(int pid, int uid, int gid, String unit) {

  public PeerCredentials {
    unit = unit == null ? "" : unit;
  }

  /** Credentials of a peer in no systemd unit. */
  public PeerCredentials(int pid, int uid, int gid) {
    this(pid, uid, gid, "");
  }

  /** Transport attribute set once per connection by the socket layer. */
  public static final Attributes.Key<PeerCredentials> TRANSPORT_ATTR =
      Attributes.Key.create("banger.peer-credentials");

  /** The current call's peer, for service code (set by {@link PeerAuthorizationInterceptor}). */
  public static final Context.Key<PeerCredentials> CONTEXT_KEY =
      Context.key("banger.peer-credentials");

  /** The peer of the call being served, or null outside a call. */
  public static PeerCredentials current() {
    return CONTEXT_KEY.get();
  }

  @Override
  public String toString() {
    return "uid "
        + uid
        + " (gid "
        + gid
        + ", pid "
        + pid
        + (unit.isEmpty() ? "" : ", unit " + unit)
        + ")";
  }
}
