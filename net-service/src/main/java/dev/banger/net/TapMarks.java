package dev.banger.net;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How banger names and marks its taps. The mark is the link alias: {@code banger:<install
 * id>:vm:<vm uuid>} for a VM's tap, {@code banger:<install id>:pool} for a warm one. Start-up
 * reconciles only links carrying this installation's mark, so other software's links (and another
 * banger installation's) are never touched, whatever their names.
 */
final class TapMarks {

  private static final Pattern MARK =
      Pattern.compile("banger:([0-9a-f]{8}):(?:vm:([0-9a-f-]{36})|(pool))");

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
