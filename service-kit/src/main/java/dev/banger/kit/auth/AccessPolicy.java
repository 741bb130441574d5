package dev.banger.kit.auth;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Who may call which method of one service. A method's list is, most specific first: its exact full
 * name ({@code banger.net.v1.NetService/LeaseIp}), its service ({@code
 * banger.net.v1.NetService/*}), else the service-wide default list. An empty list allows nobody:
 * the default is deny.
 */
public final class AccessPolicy {

  /** The outcome, with the rule that decided it, for the log line. */
  public record Decision(boolean allowed, String rule) {}

  private final List<Principal> defaults;
  private final Map<String, List<Principal>> perMethod;
  private final UserDirectory directory;
  private final int selfUid;
  private final int ownerUid;

  /**
   * @param selfUid uid the service runs as ("self")
   * @param ownerUid uid of the user banger works for ("owner"), or -1 when none is configured
   */
  public AccessPolicy(
      List<Principal> defaults,
      Map<String, List<Principal>> perMethod,
      UserDirectory directory,
      int selfUid,
      int ownerUid) {
    this.defaults = List.copyOf(defaults);
    this.perMethod = new TreeMap<>(perMethod);
    this.perMethod.replaceAll((k, v) -> List.copyOf(v));
    this.directory = Objects.requireNonNull(directory);
    this.selfUid = selfUid;
    this.ownerUid = ownerUid;
  }

  /** A policy that denies everything: the safe starting point. */
  public static AccessPolicy denyAll() {
    return new AccessPolicy(List.of(), Map.of(), new UserDirectory(), -1, -1);
  }

  /** The method and service names rules were written for (checked against what is served). */
  public java.util.Set<String> ruleNames() {
    return java.util.Collections.unmodifiableSet(perMethod.keySet());
  }

  /** Decides for a full method name such as {@code grpc.health.v1.Health/Check}. */
  public Decision decide(PeerCredentials peer, String fullMethodName) {
    String rule = fullMethodName;
    List<Principal> allowed = perMethod.get(fullMethodName);
    if (allowed == null) {
      int slash = fullMethodName.indexOf('/');
      rule = (slash < 0 ? fullMethodName : fullMethodName.substring(0, slash)) + "/*";
      allowed = perMethod.get(rule);
    }
    if (allowed == null) {
      rule = "default";
      allowed = defaults;
    }
    if (peer == null) {
      // Without kernel credentials only "any" can match: it asks for no identity at all.
      return allowed.stream().anyMatch(p -> p instanceof Principal.Any)
          ? new Decision(true, rule + " allows any (peer without credentials)")
          : new Decision(false, rule + " (no peer credentials)");
    }
    for (Principal p : allowed) {
      if (matches(p, peer)) {
        return new Decision(true, rule + " allows " + p);
      }
    }
    return new Decision(
        false, rule + (allowed.isEmpty() ? " allows nobody" : " allows only " + allowed));
  }

  private boolean matches(Principal p, PeerCredentials peer) {
    return switch (p) {
      case Principal.Uid u -> u.uid() == peer.uid();
      case Principal.Self s -> selfUid >= 0 && selfUid == peer.uid();
      case Principal.Owner o -> ownerUid >= 0 && ownerUid == peer.uid();
      case Principal.Any a -> true;
      case Principal.User u ->
          directory.uidOf(u.name()).map(uid -> uid == peer.uid()).orElse(false);
      case Principal.Group g -> directory.isMember(peer.uid(), peer.gid(), g.name());
      case Principal.Unit u -> !peer.unit().isEmpty() && u.name().equals(peer.unit());
    };
  }
}
