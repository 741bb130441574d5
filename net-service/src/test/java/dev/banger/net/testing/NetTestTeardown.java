package dev.banger.net.testing;

/**
 * The one teardown of a networked test class: child service, then namespace, then the root check.
 */
public final class NetTestTeardown {

  private NetTestTeardown() {}

  /**
   * Any argument may be null (set-up failed before it); the root namespace is checked regardless.
   */
  public static void close(ChildNetService svc, NetNamespace ns, RootNamespaceGuard root)
      throws Exception {
    try {
      if (svc != null) {
        svc.close();
        System.out.println("---- net-service child log ----\n" + svc.log());
      }
      if (ns != null) {
        ns.close();
      }
    } finally {
      if (root != null) {
        root.assertUnchanged();
      }
    }
  }
}
