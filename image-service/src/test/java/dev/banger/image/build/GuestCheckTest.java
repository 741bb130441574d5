package dev.banger.image.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.ext4.FileType;
import dev.banger.image.flatten.EntryMeta;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which images boot their own systemd and which boot banger's kit, from their files. */
class GuestCheckTest {

  private static Map<String, EntryMeta> files(String... paths) {
    Map<String, EntryMeta> m = new TreeMap<>();
    for (String p : paths) {
      m.put(p, new EntryMeta(FileType.REGULAR, 0, 0, 0755, 0, 0, 0));
    }
    return m;
  }

  @Test
  void systemdUdevAndSshdBootTheImagesOwnInitMergedUsrOrNot() {
    GuestCheck.Verdict v =
        GuestCheck.check(
            files(
                "usr/lib/systemd/systemd",
                "usr/lib/systemd/systemd-udevd",
                "usr/sbin/sshd",
                "usr/lib/x86_64-linux-gnu/libc.so.6",
                GuestCheck.BANGER_UNIT));
    assertEquals(GuestCheck.Boot.SYSTEMD, v.boot());
    assertEquals(1, v.notes().size(), v.notes().toString());
    assertEquals(
        GuestCheck.Boot.SYSTEMD,
        GuestCheck.check(
                files(
                    "lib/systemd/systemd",
                    "bin/udevadm",
                    "sbin/sshd",
                    "lib/x86_64-linux-gnu/libc.so.6",
                    GuestCheck.BANGER_UNIT))
            .boot());
  }

  @Test
  void anythingMissingBootsTheKitAndSaysWhy() {
    GuestCheck.Verdict minbase = GuestCheck.check(files("usr/lib/x86_64-linux-gnu/libc.so.6"));
    assertEquals(GuestCheck.Boot.KIT, minbase.boot());
    assertEquals(
        "no systemd: banger's guest kit is its init and SSH server", minbase.notes().get(0));
    assertEquals(1, minbase.notes().size(), "glibc is not worth a note");

    GuestCheck.Verdict noSshd =
        GuestCheck.check(files("usr/lib/systemd/systemd", "usr/lib/systemd/systemd-udevd"));
    assertTrue(
        noSshd.notes().get(0).startsWith("systemd but no OpenSSH server"),
        noSshd.notes().toString());

    GuestCheck.Verdict noUdev = GuestCheck.check(files("usr/lib/systemd/systemd", "usr/sbin/sshd"));
    assertEquals(GuestCheck.Boot.KIT, noUdev.boot());
    assertTrue(noUdev.notes().get(0).startsWith("systemd without udev"), noUdev.notes().toString());
  }

  @Test
  void withoutBangersUnitsOrWhenAskedTheKitBootsEvenASystemdImage() {
    Map<String, EntryMeta> full =
        files(
            "usr/lib/systemd/systemd",
            "usr/lib/systemd/systemd-udevd",
            "usr/sbin/sshd",
            "usr/lib/x86_64-linux-gnu/libc.so.6");
    GuestCheck.Verdict foreign = GuestCheck.check(full);
    assertEquals(GuestCheck.Boot.KIT, foreign.boot());
    assertTrue(
        foreign.notes().get(0).contains("not banger's guest units"), foreign.notes().toString());
    full.putAll(files(GuestCheck.BANGER_UNIT));
    assertEquals(GuestCheck.Boot.SYSTEMD, GuestCheck.check(full).boot());
    GuestCheck.Verdict asked = GuestCheck.check(full, true);
    assertEquals(GuestCheck.Boot.KIT, asked.boot());
    assertTrue(
        asked.notes().get(0).startsWith("banger's guest kit, as the pull asked"),
        asked.notes().toString());
  }

  @Test
  void theCLibraryIsNoted() {
    GuestCheck.Verdict busybox = GuestCheck.check(files("bin/busybox"));
    assertTrue(busybox.notes().get(1).startsWith("no C library found"), busybox.notes().toString());
    GuestCheck.Verdict alpine = GuestCheck.check(files("bin/busybox", "lib/ld-musl-x86_64.so.1"));
    assertEquals("musl C library", alpine.notes().get(1));
  }

  @Test
  void aDirectoryOrLinkWhereTheBinaryShouldBeDoesNotCount() {
    Map<String, EntryMeta> m = files("usr/lib/systemd/systemd-udevd", "usr/sbin/sshd");
    m.put("usr/lib/systemd/systemd", new EntryMeta(FileType.SYMLINK, 0, 0, 0777, 0, 0, 0));
    assertEquals(GuestCheck.Boot.KIT, GuestCheck.check(m).boot());
  }
}
