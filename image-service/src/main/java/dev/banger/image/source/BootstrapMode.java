package dev.banger.image.source;

/**
 * How mmdebstrap gets root inside the tree it builds (docs/catalog.md, "Running unprivileged").
 * Both give a tarball whose files have the right owners and modes.
 */
public enum BootstrapMode {
  /**
   * A user namespace: as root, only the mount and pid namespaces; as any other user, a subuid and
   * subgid range mapped by the setuid newuidmap/newgidmap. Maintainer scripts run inside it.
   */
  UNSHARE("unshare"),
  /**
   * fakechroot and fakeroot (LD_PRELOAD): no privilege and no namespace at all, so it works under
   * {@code NoNewPrivileges=yes} and an empty capability set. Maintainer scripts run as the service
   * user, confined by its unit rather than by a namespace.
   */
  FAKECHROOT("fakechroot");

  private final String flag;

  BootstrapMode(String flag) {
    this.flag = flag;
  }

  /** The value of mmdebstrap's {@code --mode=}. */
  public String flag() {
    return flag;
  }
}
