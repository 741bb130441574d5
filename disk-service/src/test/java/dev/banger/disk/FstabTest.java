package dev.banger.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

class FstabTest {

  private static Fstab.Mount tmpfs(String target, String opts) {
    return new Fstab.Mount("tmpfs", target, "tmpfs", opts, 0, 0);
  }

  @Test
  void dropsTargetsReplacesReaddedOnesAndKeepsEverythingElseVerbatim() {
    String existing =
        "# comment kept\n\nUUID=1 / ext4 errors=remount-ro 0 1\n/dev/vdb  /home\text4 defaults 0 2\n"
            + "tmpfs /run tmpfs defaults 0 0\n/dev/x /mnt/my\\040disk ext4 defaults 0 0\n/dev/y /var/ ext4 defaults 0 0\n";
    String out =
        Fstab.render(
            existing,
            List.of("/home", "/mnt/my disk", "/var"),
            List.of(
                tmpfs("/run", "defaults,nodev,nosuid,mode=0755"),
                tmpfs("/tmp", "defaults,nodev,nosuid,mode=1777"),
                new Fstab.Mount("/dev/vdb", "/root", "ext4", "defaults", 0, 2)));
    assertEquals(
        "# comment kept\n\nUUID=1 / ext4 errors=remount-ro 0 1\n"
            + "tmpfs /run tmpfs defaults,nodev,nosuid,mode=0755 0 0\n"
            + "tmpfs /tmp tmpfs defaults,nodev,nosuid,mode=1777 0 0\n"
            + "/dev/vdb /root ext4 defaults 0 2\n",
        out);
  }

  @Test
  void emptyAndUnterminatedInputs() {
    assertEquals(
        "tmpfs /tmp tmpfs defaults 0 0\n", Fstab.render("", List.of(), List.of(tmpfs("/tmp", ""))));
    assertEquals("a / ext4 d 0 1\n", Fstab.render("a / ext4 d 0 1", List.of(), List.of()));
    assertEquals("", Fstab.render("", List.of("/x"), List.of()));
  }

  @Test
  void refusesFieldsThatWouldSplitOrComment() {
    assertThrows(StatusRuntimeException.class, () -> tmpfs("/tmp", "defaults 0 0\n/dev/sda /"));
    assertThrows(
        StatusRuntimeException.class, () -> new Fstab.Mount("tmp fs", "/tmp", "tmpfs", "", 0, 0));
    assertThrows(
        StatusRuntimeException.class, () -> new Fstab.Mount("#x", "/tmp", "tmpfs", "", 0, 0));
    assertThrows(RuntimeException.class, () -> new Fstab.Mount("tmpfs", "tmp", "tmpfs", "", 0, 0));
    assertThrows(RuntimeException.class, () -> new Fstab.Mount("tmpfs", "/a b", "tmpfs", "", 0, 0));
    assertThrows(
        StatusRuntimeException.class, () -> new Fstab.Mount("tmpfs", "/tmp", "", "", 0, 0));
    assertThrows(
        StatusRuntimeException.class, () -> new Fstab.Mount("tmpfs", "/tmp", "tmpfs", "", 0, 3));
  }
}
