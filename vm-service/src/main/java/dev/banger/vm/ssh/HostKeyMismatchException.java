package dev.banger.vm.ssh;

/**
 * A guest offered a host key other than the one pinned for it. Never retried: either the VM was
 * re-created behind banger's back (its pin was not removed) or someone is in the middle.
 */
public final class HostKeyMismatchException extends GuestSshException {
  private static final long serialVersionUID = 1L;

  private final String host;
  private final String pinnedFingerprint;
  private final String offeredFingerprint;

  public HostKeyMismatchException(
      String host, String pinnedFingerprint, String offeredFingerprint, java.nio.file.Path file) {
    super(
        "host key of "
            + host
            + " changed — possible MITM: pinned "
            + pinnedFingerprint
            + ", offered "
            + offeredFingerprint
            + "; if the VM was re-created run `banger vm delete` on the old one"
            + " (that drops its pin from "
            + file
            + "), otherwise do not connect");
    this.host = host;
    this.pinnedFingerprint = pinnedFingerprint;
    this.offeredFingerprint = offeredFingerprint;
  }

  public String host() {
    return host;
  }

  public String pinnedFingerprint() {
    return pinnedFingerprint;
  }

  public String offeredFingerprint() {
    return offeredFingerprint;
  }
}
