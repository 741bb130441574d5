package dev.banger.net;

import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.config.NetConfig;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.kit.text.Printable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks every RPC argument before anything touches the host or the database. Each refusal is
 * INVALID_ARGUMENT naming the field, with the offending value shown through {@link Printable}.
 */
final class NetArgs {

  /** The canonical lowercase form UUID.toString() prints; one spelling per VM. */
  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** A DNS label, lowercase: the VM answers as {@code <name>.vm}. */
  private static final Pattern VM_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  /** uid_t is 32 bits; (uid_t)-1 means "no change" to the kernel and 65535 is the old 16-bit -1. */
  static final long MAX_UID = Integer.MAX_VALUE - 1L;

  private NetArgs() {}

  static String vmId(String raw) {
    if (raw == null || !UUID.matcher(raw).matches()) {
      throw Errors.invalidArgument(
          "vm_id",
          "vm_id "
              + quoted(raw)
              + " is not a VM id (a lowercase UUID like 3f0c2a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6)");
    }
    return raw;
  }

  static String vmName(String raw) {
    if (raw == null || !VM_NAME.matcher(raw).matches()) {
      throw Errors.invalidArgument(
          "vm_name",
          "vm_name "
              + quoted(raw)
              + " must be a DNS label: 1..63 of a-z, 0-9 and '-', not starting or ending with '-'");
    }
    return raw;
  }

  /** A bridge name, or the configured bridge when empty. */
  static String bridge(String raw, String configured) {
    if (raw == null || raw.isEmpty()) {
      return configured;
    }
    try {
      return NetConfig.bridgeName(raw);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidArgument("bridge", "bridge " + quoted(raw) + ": " + e.getMessage());
    }
  }

  /** A bridge address, or null when empty (the caller decides the default). */
  static Ipv4Cidr cidr(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return NetConfig.bridgeCidr(raw);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidArgument("cidr", "cidr " + quoted(raw) + ": " + e.getMessage());
    }
  }

  /** The address a restored guest believes it has: a dotted IPv4 address, checked strictly. */
  static int guestIp(String raw) {
    try {
      return Ipv4Cidr.parseAddress(raw);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidArgument("guest_ip", "guest_ip " + quoted(raw) + " " + e.getMessage());
    }
  }

  /**
   * The guest's address against the VM's lease: a host address of the bridge's network that is
   * neither the bridge's own (the guest's gateway, answered by proxy ARP) nor the lease's (which
   * the clone namespace holds on its veth, to be translated to the guest's).
   */
  static void guestIpOn(int guest, Lease l) {
    Ipv4Cidr net = l.network();
    String why = null;
    if (!net.contains(guest)) {
      why = "is not on bridge " + l.bridge() + "'s network " + net.networkText();
    } else if (guest == net.network()) {
      why = "is the network address of " + net.networkText();
    } else if (guest == net.broadcast()) {
      why = "is the broadcast address of " + net.networkText();
    } else if (guest == net.address()) {
      why = "is bridge " + l.bridge() + "'s own address, the guest's gateway";
    } else if (guest == l.address()) {
      why = "is the VM's own lease address; the guest's is the snapshot source's";
    }
    if (why != null) {
      throw Errors.invalidArgument("guest_ip", "guest_ip " + Ipv4Cidr.format(guest) + " " + why);
    }
  }

  static void requestId(String raw) {
    String problem = dev.banger.kit.text.RequestIds.problem(raw);
    if (problem != null) {
      throw Errors.invalidArgument("request_id", problem);
    }
  }

  /**
   * The uid a tap is made for: 0 means the caller itself. Only root may make a tap for another
   * user: a tap's owner can read and inject the VM's traffic.
   */
  static long tapOwner(int raw, PeerCredentials peer) {
    long uid = Integer.toUnsignedLong(raw);
    if (uid > MAX_UID || uid == 65535) {
      throw Errors.invalidArgument(
          "owner_uid", "owner_uid " + uid + " is not a usable uid (0.." + MAX_UID + ", not 65535)");
    }
    if (peer == null) {
      throw Errors.of(
          Status.PERMISSION_DENIED.withDescription("the caller's credentials are unknown"),
          "PEER_UNKNOWN",
          Map.of());
    }
    long caller = Integer.toUnsignedLong(peer.uid());
    if (uid == 0) {
      return caller;
    }
    if (caller != 0 && uid != caller) {
      throw Errors.of(
          Status.PERMISSION_DENIED.withDescription(
              "uid "
                  + caller
                  + " may not make a tap for uid "
                  + uid
                  + "; only root may give a tap to another user"),
          "TAP_OWNER_NOT_CALLER",
          Map.of("owner_uid", Long.toString(uid), "caller_uid", Long.toString(caller)));
    }
    return uid;
  }

  static String quoted(String raw) {
    return Printable.quoted(raw, 80);
  }

  static StatusRuntimeException failedPrecondition(String reason, String sentence) {
    return Errors.of(Status.FAILED_PRECONDITION.withDescription(sentence), reason, Map.of());
  }
}
