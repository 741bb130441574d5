package dev.banger.kit.config;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.state.ServiceName;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a service's {@link AccessPolicy} from config over the defaults of docs/architecture.md §1:
 *
 * <pre>
 *   image  owner, vm-service, root        -> root, self, owner
 *   vm     owner, root                    -> root, self, owner
 *   net    vm-service, root               -> root, self, owner   (vm-service runs as the owner)
 *   disk   vm-service, image-service, root -> root, self, owner, user:banger-image
 * </pre>
 *
 * "self" lets the services of one all-in-one process call each other. Config replaces a list
 * wholesale, never merges, so what is written is exactly what is allowed.
 */
public final class PolicyFactory {

  private PolicyFactory() {}

  public static List<Principal> defaultAllow(ServiceName s) {
    List<Principal> base =
        List.of(new Principal.Uid(0), new Principal.Self(), new Principal.Owner());
    return switch (s) {
      case IMAGE, VM, NET -> base;
      case DISK ->
          List.of(
              new Principal.Uid(0),
              new Principal.Self(),
              new Principal.Owner(),
              new Principal.User("banger-image"));
    };
  }

  public static AccessPolicy build(
      BangerConfig cfg, ServiceName s, UserDirectory directory, int selfUid, int ownerUid) {
    ServiceConfig sc = cfg.service(s);
    List<Principal> allow =
        sc.allow() == null ? defaultAllow(s) : ConfigLoader.parsePrincipals(sc.allow());
    Map<String, List<Principal>> methods = new LinkedHashMap<>();
    if (sc.methods() != null) {
      sc.methods().forEach((k, v) -> methods.put(k, ConfigLoader.parsePrincipals(v)));
    }
    return new AccessPolicy(allow, methods, directory, selfUid, ownerUid);
  }

  /**
   * The owner's uid: config's {@code owner} (name or number) if set; in all-in-one mode the uid
   * running bangerd; otherwise none (-1).
   */
  public static int ownerUid(
      BangerConfig cfg, UserDirectory directory, boolean allInOne, int selfUid)
      throws ConfigException {
    if (cfg.owner() == null) {
      return allInOne ? selfUid : -1;
    }
    if (cfg.owner().matches("[0-9]+")) {
      long uid = Long.parseLong(cfg.owner());
      if (uid > Integer.MAX_VALUE) {
        throw new ConfigException("config owner uid " + cfg.owner() + " is out of range");
      }
      return (int) uid;
    }
    return directory
        .uidOf(cfg.owner())
        .orElseThrow(
            () ->
                new ConfigException(
                    "config owner \"" + cfg.owner() + "\" is not a user on this host"));
  }
}
