package dev.banger.vm.app.start;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;

/**
 * What a restored guest is told to become (docs/snapshots.md, "Identity of clones"): it wakes with
 * the snapshot's hostname, a clock stopped at the snapshot instant and the snapshot's RNG state.
 * One command, the same text for every clone, sets the name, the clock and stirs fresh host
 * randomness into the kernel's pool; everything that varies arrives on its stdin, so no name or
 * number is ever parsed by the guest's shell as code.
 */
final class CloneIdentity {

  /** Bytes of host randomness written to the guest's /dev/urandom. */
  static final int RANDOM_BYTES = 64;

  /**
   * Writing to /dev/urandom only mixes bytes into the input pool; {@code RNDRESEEDCRNG} (ioctl
   * 0x5207, root) makes the kernel reseed its generator from that pool now rather than at its next
   * scheduled reseed, so siblings stop sharing the snapshot's generator state at once. The ioctl
   * needs a program that can call it: perl, which every Debian and Ubuntu has; a guest without it
   * still gets the bytes mixed in. Whole seconds: busybox's date takes no fraction. A guest booted
   * by banger's guest kit may have none of date, hostname or head: the kit's busybox has them, last
   * on the PATH so the image's own come first (docs/guest-kit.md).
   */
  static final String COMMAND =
      "{ [ ! -d /.banger/bin ] || PATH=\"$PATH:/.banger/bin\"; }"
          + " && read -r name && read -r when"
          + " && date -s \"@$when\" >/dev/null"
          + " && hostname \"$name\""
          + " && printf '%s\\n' \"$name\" >/etc/hostname"
          + " && head -c "
          + RANDOM_BYTES
          + " >/dev/urandom"
          + " && { ! command -v perl >/dev/null"
          + " || perl -e 'open(my $f, \"<\", \"/dev/urandom\") or die $!;"
          + " ioctl($f, 0x5207, 0) or die \"reseed: $!\\n\"'; }";

  private static final SecureRandom RANDOM = new SecureRandom();

  private CloneIdentity() {}

  /** The command's stdin: the name, the host's time now (epoch seconds), then the random bytes. */
  static byte[] input(String name, Instant now) {
    if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
      throw new IllegalArgumentException("not a VM name: " + name.length() + " chars");
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    // Rounded to the nearest second: the command's date takes whole seconds only.
    long seconds = now.getEpochSecond() + (now.getNano() >= 500_000_000 ? 1 : 0);
    String lines = name + "\n" + seconds + "\n";
    b.writeBytes(lines.getBytes(StandardCharsets.US_ASCII));
    byte[] random = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(random);
    b.writeBytes(random);
    return b.toByteArray();
  }
}
