package dev.banger.net;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How banger names and marks its taps, and the clone networks around them. The mark is the link
 * alias: {@code banger:<install id>:vm:<vm uuid>} for a VM's tap, {@code banger:<install id>:pool}
 * for a warm one, {@code banger:<install id>:clone:<vm uuid>} for a clone network's veth. Start-up
 * reconciles only links carrying this installation's mark, and only clone namespaces carrying its
 * id in their name, so other software's (and another banger installation's) are never touched.
 */
final class TapMarks {

  private static final Pattern MARK =
      Pattern.compile("banger:([0-9a-f]{8}):(?:vm:([0-9a-f-]{36})|(pool))");

  private static final Pattern CLONE_NAMESPACE =
      Pattern.compile(
          "bcl-([0-9a-f]{8})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

  /** The veth end inside a clone namespace; the namespace is the VM's alone, so one name fits. */
  static final String CLONE_UPLINK = "uplink";

  private final String installId;

  TapMarks(String installId) {
    if (!installId.matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException("install id must be 8 hex digits");
    }
    this.installId = installId;
  }

  String vmMark(String vmId) {
    return "banger:" + installId + ":vm:" + vmId;
  }

  String poolMark() {
    return "banger:" + installId + ":pool";
  }

  /**
   * Names a VM's tap may take, best first: {@code tb-} and the first 8 hex digits of its id; if a
   * link (another VM's, or not ours) holds that, the first 12 (15 characters, the kernel's limit).
   * A clash on 48 bits as well is refused rather than guessed around.
   */
  static List<String> vmTapNames(String vmId) {
    String hex = vmId.replace("-", "");
    return List.of("tb-" + hex.substring(0, 8), "tb-" + hex.substring(0, 12));
  }

  /**
   * A clone's network namespace: {@code bcl-<install id>-<vm uuid>}. Namespace names are file names
   * (no 15-character limit), so the whole id fits: release and start-up map a name to exactly one
   * VM without looking inside, and two installations never share one.
   */
  String cloneNamespace(String vmId) {
    return "bcl-" + installId + "-" + vmId;
  }

  /** The VM a clone namespace of this installation belongs to; empty for any other name. */
  Optional<String> cloneVm(String namespace) {
    Matcher m = CLONE_NAMESPACE.matcher(namespace == null ? "" : namespace);
    return m.matches() && m.group(1).equals(installId) ? Optional.of(m.group(2)) : Optional.empty();
  }

  /**
   * The host end of a clone's veth: {@code tc-} and the first 12 hex digits of the VM id (15
   * characters, the kernel's limit). A clash (another link holds it) is refused, not guessed
   * around.
   */
  static String cloneVethName(String vmId) {
    return "tc-" + vmId.replace("-", "").substring(0, 12);
  }

  String cloneMark(String vmId) {
    return "banger:" + installId + ":clone:" + vmId;
  }

  /** Warm taps: {@code tbp-} and 8 random hex digits, renamed when handed to a VM. */
  static String poolTapName(String randomHex8) {
    return "tbp-" + randomHex8;
  }

  /** What a link alias says, for this installation only. */
  sealed interface Mark permits VmTap, PoolTap, NotOurs {}

  record VmTap(String vmId) implements Mark {}

  record PoolTap() implements Mark {}

  record NotOurs() implements Mark {}

  Mark read(String alias) {
    Matcher m = MARK.matcher(alias == null ? "" : alias);
    if (!m.matches() || !m.group(1).equals(installId)) {
      return new NotOurs();
    }
    return m.group(3) != null ? new PoolTap() : new VmTap(m.group(2));
  }
}
