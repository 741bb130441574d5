package dev.banger.image.source;

/**
 * Picks mmdebstrap's mode for the next run from what this process may do, asked afresh each time
 * (installing fakechroot or adding a subuid range needs no restart).
 *
 * <ul>
 *   <li>root: {@link BootstrapMode#UNSHARE}, which needs no helper;
 *   <li>another user with a subuid and a subgid range and no {@code no_new_privs} (the setuid
 *       newuidmap works): {@link BootstrapMode#UNSHARE};
 *   <li>otherwise, with fakechroot and fakeroot on PATH: {@link BootstrapMode#FAKECHROOT}. This is
 *       image-service under its hardened unit ({@code NoNewPrivileges=yes}, no capabilities);
 *   <li>otherwise {@link BootstrapMode#UNSHARE}, whose failure names both ways out.
 * </ul>
 */
public final class BootstrapModes {

  /** The facts the choice reads; {@link ProcessFacts} reads them off this process. */
  public interface Facts {
    boolean root();

    /** The kernel's {@code no_new_privs} bit: setuid programs would not gain anything. */
    boolean noNewPrivs();

    /** Both /etc/subuid and /etc/subgid give this process's user a range. */
    boolean hasSubordinateRanges();

    /** An executable of this name is on PATH. */
    boolean onPath(String program);
  }

  private final Facts facts;

  public BootstrapModes(Facts facts) {
    this.facts = facts;
  }

  public BootstrapMode choose() {
    if (facts.root()) {
      return BootstrapMode.UNSHARE;
    }
    if (!facts.noNewPrivs() && facts.hasSubordinateRanges() && facts.onPath("newuidmap")) {
      return BootstrapMode.UNSHARE;
    }
    if (facts.onPath("fakechroot") && facts.onPath("fakeroot")) {
      return BootstrapMode.FAKECHROOT;
    }
    return BootstrapMode.UNSHARE;
  }
}
