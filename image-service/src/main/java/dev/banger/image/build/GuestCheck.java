package dev.banger.image.build;

import dev.banger.ext4.FileType;
import dev.banger.image.flatten.EntryMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a VM of a flattened image will need from banger (docs/guest-kit.md), decided from the files
 * the layers left: an image boots its own init only when it has systemd, udev and OpenSSH's server,
 * since banger's guest units, the work disk's mount and SSH all rest on them. Anything else boots
 * banger's guest kit. Paths are looked up both as they are and below {@code usr/}, for images whose
 * {@code /lib} and {@code /sbin} are links into {@code /usr}.
 */
public final class GuestCheck {

  private GuestCheck() {}

  /** How a VM of an image starts. */
  public enum Boot {
    /** The image's own systemd, with banger's units (as every catalog image). */
    SYSTEMD,
    /** banger's guest kit as init and SSH server. */
    KIT;

    /** As stored and shown. */
    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Boot of(String id) {
      return valueOf(id.toUpperCase(java.util.Locale.ROOT));
    }
  }

  /**
   * The verdict and what it rests on, one line per finding, as {@code image show} prints them.
   *
   * @param command what a kit VM started without a command runs
   * @param kitVersion the guest kit its VMs attach (the one built for its pull), empty for a
   *     systemd image
   */
  public record Verdict(Boot boot, List<String> notes, ImageCommand command, String kitVersion) {
    public Verdict {
      notes = List.copyOf(notes);
      kitVersion = kitVersion == null ? "" : kitVersion;
    }

    public Verdict(Boot boot, List<String> notes) {
      this(boot, notes, ImageCommand.NONE, "");
    }

    public Verdict(Boot boot, List<String> notes, ImageCommand command) {
      this(boot, notes, command, "");
    }

    /** The same verdict, attached to kit {@code version}. */
    public Verdict withKit(String version) {
      return new Verdict(boot, notes, command, version);
    }

    /** The same verdict, with the image's command and the notes it adds. */
    public Verdict with(ImageCommand c) {
      List<String> more = new ArrayList<>(notes);
      if (!c.argv().isEmpty()) {
        if (boot == Boot.SYSTEMD) {
          more.add("its own command is not run: systemd is its init");
        } else if (c.runnable()) {
          more.add(
              "runs "
                  + dev.banger.kit.text.Printable.bare(c.argv().toString(), 300)
                  + " as uid "
                  + c.uid()
                  + " in "
                  + dev.banger.kit.text.Printable.bare(c.workingDir(), 200)
                  + " when a VM starts without a command");
        } else {
          more.add(
              "its command cannot run: " + c.problem() + "; give VMs a command (vm run -- CMD)");
        }
      }
      return new Verdict(boot, more, c, kitVersion);
    }
  }

  public static Verdict check(Map<String, EntryMeta> entries) {
    return check(entries, false);
  }

  /** banger's network unit: every image banger builds has it (GuestPieces); others do not. */
  static final String BANGER_UNIT = "etc/systemd/system/banger-network.service";

  /**
   * Every path {@link #check} looks at (relative, without the {@code usr/} variants): what a check
   * of an ext4 file must stat to give the same verdict.
   */
  public static final List<String> PATHS =
      List.of(
          "lib/systemd/systemd",
          "lib/systemd/systemd-udevd",
          "bin/udevadm",
          "sbin/sshd",
          BANGER_UNIT,
          "lib/x86_64-linux-gnu/libc.so.6",
          "lib64/libc.so.6",
          "lib/ld-musl-x86_64.so.1");

  /**
   * @param kitAsked the pull asked for the kit whatever the image has
   */
  public static Verdict check(Map<String, EntryMeta> entries, boolean kitAsked) {
    boolean systemd = any(entries, "lib/systemd/systemd");
    boolean udev = any(entries, "lib/systemd/systemd-udevd") || any(entries, "bin/udevadm");
    boolean sshd = any(entries, "sbin/sshd");
    boolean units = entries.containsKey(BANGER_UNIT);
    boolean glibc =
        any(entries, "lib/x86_64-linux-gnu/libc.so.6") || any(entries, "lib64/libc.so.6");
    boolean musl = any(entries, "lib/ld-musl-x86_64.so.1");
    List<String> notes = new ArrayList<>();
    Boot boot;
    if (systemd && udev && sshd && !units) {
      boot = Boot.KIT;
      notes.add(
          "systemd, udev and sshd, but not banger's guest units (an image banger did not build):"
              + " banger's guest kit boots it");
    } else if (systemd && udev && sshd && kitAsked) {
      boot = Boot.KIT;
      notes.add("banger's guest kit, as the pull asked, though it has systemd, udev and sshd");
    } else if (systemd && udev && sshd) {
      boot = Boot.SYSTEMD;
      notes.add(
          "systemd, udev and an OpenSSH server: the image's own init boots it, with banger's units");
    } else {
      boot = Boot.KIT;
      if (!systemd) {
        notes.add("no systemd: banger's guest kit is its init and SSH server");
      } else if (!sshd) {
        notes.add("systemd but no OpenSSH server: banger's guest kit boots it instead of systemd");
      } else {
        notes.add(
            "systemd without udev: banger's guest kit boots it instead (mounts the work disk by"
                + " device)");
      }
    }
    if (!glibc && !musl) {
      notes.add("no C library found: commands run only if the image has its own static tools");
    } else if (musl && !glibc) {
      notes.add("musl C library");
    }
    return new Verdict(boot, notes);
  }

  /** A regular file at {@code path} or at {@code usr/path}. */
  private static boolean any(Map<String, EntryMeta> entries, String path) {
    for (String p : List.of(path, "usr/" + path)) {
      EntryMeta m = entries.get(p);
      if (m != null && m.type() == FileType.REGULAR) {
        return true;
      }
    }
    return false;
  }
}
