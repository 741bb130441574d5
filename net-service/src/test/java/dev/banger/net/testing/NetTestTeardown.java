package dev.banger.net.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

/**
 * The one teardown of a networked test class: child service, then the clone namespaces it left
 * (named after its installation, in the host's /run/netns, where the test's own namespace cannot
 * hold them), then the test's namespace, then the root check. A leftover clone namespace is deleted
 * and then fails the class: the service should have removed it.
 */
public final class NetTestTeardown {

  private NetTestTeardown() {}

  /**
   * Any argument may be null (set-up failed before it); the root namespace is checked regardless.
   */
  public static void close(ChildNetService svc, NetNamespace ns, RootNamespaceGuard root)
      throws Exception {
    List<String> leftovers = new ArrayList<>();
    try {
      if (svc != null) {
        svc.close();
        System.out.println("---- net-service child log ----\n" + svc.log());
        leftovers.addAll(deleteCloneNamespaces(svc));
      }
      if (ns != null) {
        ns.close();
      }
    } finally {
      if (root != null) {
        root.assertUnchanged();
      }
    }
    assertEquals(List.of(), leftovers, "clone namespaces the service left behind (now deleted)");
  }

  private static List<String> deleteCloneNamespaces(ChildNetService svc) throws Exception {
    String install;
    try {
      install = svc.installId();
    } catch (Exception e) {
      return List.of(); // the service never got as far as making its database
    }
    return NetNamespace.deleteCloneNamespaces(install);
  }
}
