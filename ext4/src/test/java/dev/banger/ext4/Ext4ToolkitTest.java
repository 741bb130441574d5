package dev.banger.ext4;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ext4ToolkitTest {

  @TempDir Path dir;
  Path image;
  Ext4Toolkit kit;
  final AtomicInteger debugfsCalls = new AtomicInteger();

  @BeforeEach
  void setUp() {
    image = RealImages.mkfs(dir, "img.ext4", 64);
    CommandRunner counting =
        new CommandRunner() {
          @Override
          public dev.banger.kit.process.CommandResult run(Command c) {
            if (c.program().equals("debugfs")) {
              debugfsCalls.incrementAndGet();
            }
            return RealImages.run(c);
          }

          @Override
          public dev.banger.kit.process.Conversation converse(Command c)
              throws dev.banger.kit.process.CommandFailedException {
            if (c.program().equals("debugfs")) {
              debugfsCalls.incrementAndGet();
            }
            return RealImages.RUNNER.converse(c);
          }

          @Override
          public dev.banger.kit.process.RunningProcess start(Command c, Path log) {
            throw new UnsupportedOperationException();
          }
        };
    kit = new Ext4Toolkit(counting, BlockDevicePolicy.never(), dir.resolve("scratch"));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesFilesWithOwnerAndModeInOneBatchAndMakesParents() {
    Ext4Edit edit =
        new Ext4Edit()
            .write("/etc/hostname", utf8("vm1\n"), 0, 0, 0644)
            .write(
                "/etc/ssh/sshd_config.d/99-banger.conf",
                utf8("PermitRootLogin prohibit-password\n"),
                0,
                0,
                0600)
            .write("/home/dev/a b $(id);'x'", utf8("odd name\n"), 1000, 1001, 04755)
            .mkdir("/root/.ssh", 0, 0, 0700);
    Ext4Toolkit.EditResult r = kit.apply(kit.open(image), edit);

    assertEquals(3, r.filesWritten());
    assertEquals(1, r.directoriesCreated());
    assertEquals(
        6, r.parentsCreated(), "/etc /etc/ssh /etc/ssh/sshd_config.d /home /home/dev /root: " + r);
    assertEquals(1, debugfsCalls.get(), "probe and write batch in one debugfs process");
    assertFsckClean(image);
    assertEquals(new RealImages.Stat("regular", 0644, 0, 0, 4), stat(image, "/etc/hostname"));
    assertEquals(
        new RealImages.Stat("regular", 0600, 0, 0, 34),
        stat(image, "/etc/ssh/sshd_config.d/99-banger.conf"));
    assertEquals(
        new RealImages.Stat("regular", 04755, 1000, 1001, 9),
        stat(image, "/home/dev/a b $(id);'x'"));
    assertEquals(
        new RealImages.Stat("directory", 0700, 0, 0, -1), stat(image, "/root/.ssh").ignoringSize());
    assertEquals(
        new RealImages.Stat("directory", 0755, 0, 0, -1), stat(image, "/etc/ssh").ignoringSize());
    assertEquals("odd name\n", RealImages.cat(image, "/home/dev/a b $(id);'x'"));
  }

  @Test
  void aDiskAKilledGuestLeftIsRepairedBeforeItIsRead() {
    // What a SIGKILLed guest leaves: the journal flagged for recovery and a block bitmap whose
    // checksum no longer matches, which makes debugfs refuse to open the image at all.
    kit.apply(kit.open(image), new Ext4Edit().write("/etc/fstab", utf8("# fstab\n"), 0, 0, 0644));
    RealImages.check(
        dev.banger.kit.process.Command.of(
                "debugfs", "-w", "-R", "feature needs_recovery", image.toString())
            .build());
    RealImages.check(
        dev.banger.kit.process.Command.of(
                "debugfs", "-w", "-R", "set_bg 0 block_bitmap_csum 0x1234", image.toString())
            .build());
    Ext4Image killed = kit.open(image);
    assertTrue(killed.superblock().needsRecovery());
    Ext4Exception refused =
        assertThrows(
            Ext4Exception.class, () -> kit.readFile(killed, GuestPath.of("/etc/fstab"), 1024));
    assertTrue(refused.getMessage().contains("checksum"), refused.getMessage());

    Ext4Image recovered = kit.recoverForEdit(killed);
    assertFalse(recovered.superblock().needsRecovery());
    assertEquals(
        "# fstab\n",
        new String(
            kit.readFile(recovered, GuestPath.of("/etc/fstab"), 1024), StandardCharsets.UTF_8));
    assertFsckClean(image);
    assertEquals(recovered, kit.recoverForEdit(recovered), "a clean image is left as it is");
  }

  @Test
  void rewritingReplacesContentOwnerAndModeAndMkdirIsIdempotent() {
    Ext4Image img = kit.open(image);
    kit.apply(
        img,
        new Ext4Edit()
            .write("/etc/motd", utf8("first version, longer\n"), 5, 5, 0666)
            .mkdir("/srv", 7, 7, 0777));
    kit.apply(
        kit.open(image),
        new Ext4Edit().write("/etc/motd", utf8("second\n"), 0, 0, 0644).mkdir("/srv", 0, 0, 0750));
    Ext4Toolkit.EditResult again =
        kit.apply(kit.open(image), new Ext4Edit().mkdir("/srv", 0, 0, 0750));
    assertEquals(0, again.directoriesCreated());
    assertEquals(1, again.directoriesReset());
    assertFsckClean(image);
    assertEquals("second\n", RealImages.cat(image, "/etc/motd"));
    assertEquals(new RealImages.Stat("regular", 0644, 0, 0, 7), stat(image, "/etc/motd"));
    assertEquals(
        new RealImages.Stat("directory", 0750, 0, 0, -1), stat(image, "/srv").ignoringSize());
  }

  @Test
  void replacesASymlinkWithAFile() {
    RealImages.check(
        Command.of("debugfs", "-w", "-R", "symlink /resolv.conf /run/stub", image.toString())
            .build());
    assertEquals("symlink", stat(image, "/resolv.conf").type());
    kit.apply(
        kit.open(image),
        new Ext4Edit().write("/resolv.conf", utf8("nameserver 172.16.0.1\n"), 0, 0, 0644));
    assertEquals("regular", stat(image, "/resolv.conf").type());
    assertFsckClean(image);
  }

  @Test
  void rootInodeKeepsDirectoryType() {
    kit.apply(kit.open(image), new Ext4Edit().rootInode(0, 0, 0755));
    assertEquals(new RealImages.Stat("directory", 0755, 0, 0, -1), stat(image, "/").ignoringSize());
    assertFsckClean(image);
    kit.apply(kit.open(image), new Ext4Edit().rootInode(1000, 1000, 0700));
    assertEquals(
        new RealImages.Stat("directory", 0700, 1000, 1000, -1), stat(image, "/").ignoringSize());
    assertFsckClean(image);
  }

  @Test
  void theSeedsRootInodeBugIsRealAndOwnershipRefusesItsInput() {
    // Proves the fsck assertion above can fail: bare permission bits on <2> corrupt the fs.
    Path other = RealImages.mkfs(dir, "bug.ext4", 32);
    RealImages.check(
        Command.of("debugfs", "-w", "-R", "sif <2> mode 0755", other.toString()).build());
    assertFalse(RealImages.fsckClean(other));
    Ext4Exception e =
        assertThrows(Ext4Exception.class, () -> new Ownership(GuestPath.ROOT, 0, 0, 0755));
    assertTrue(e.getMessage().contains("no valid file type bits"), e.getMessage());
  }

  @Test
  void setOwnershipStampsExistingInodesInOneCall() {
    kit.apply(
        kit.open(image),
        new Ext4Edit()
            .write("/usr/bin/sudo", utf8("#!/bin/true\n"), 1000, 1000, 0755)
            .mkdir("/var/spool", 1000, 1000, 0755));
    RealImages.check(
        Command.of("debugfs", "-w", "-R", "symlink /usr/bin/link sudo", image.toString()).build());
    int before = debugfsCalls.get();
    kit.setOwnership(
        kit.open(image),
        List.of(
            new Ownership(GuestPath.of("/usr/bin/sudo"), 0, 0, 0104755),
            new Ownership(GuestPath.of("/var/spool"), 0, 1, 041777),
            new Ownership(GuestPath.of("/usr/bin/link"), 0, 0, 0120777)));
    assertEquals(before + 1, debugfsCalls.get());
    assertEquals(new RealImages.Stat("regular", 04755, 0, 0, 12), stat(image, "/usr/bin/sudo"));
    assertEquals(
        new RealImages.Stat("directory", 01777, 0, 1, -1),
        stat(image, "/var/spool").ignoringSize());
    assertEquals("symlink", stat(image, "/usr/bin/link").type());
    assertFsckClean(image);
  }

  @Test
  void setOwnershipMakesDeviceNodesAndFifosInTheSameCall() {
    kit.apply(kit.open(image), new Ext4Edit().mkdir("/dev", 0, 0, 0755));
    int before = debugfsCalls.get();
    GuestPath nul = GuestPath.of("/dev/null");
    GuestPath sda = GuestPath.of("/dev/sda");
    GuestPath fifo = GuestPath.of("/dev/initctl");
    kit.setOwnership(
        kit.open(image),
        List.of(
            new SpecialNode(nul, FileType.CHAR_DEVICE, 1, 3),
            new SpecialNode(sda, FileType.BLOCK_DEVICE, 8, 0),
            new SpecialNode(fifo, FileType.FIFO, 0, 0)),
        List.of(
            new Ownership(nul, 0, 0, 020666),
            new Ownership(sda, 0, 6, 060660),
            new Ownership(fifo, 0, 0, 010600)));
    assertEquals(before + 1, debugfsCalls.get());
    assertEquals(new RealImages.Stat("character special", 0666, 0, 0, 0), stat(image, "/dev/null"));
    assertEquals(new RealImages.Stat("block special", 0660, 0, 6, 0), stat(image, "/dev/sda"));
    assertEquals(new RealImages.Stat("FIFO", 0600, 0, 0, 0), stat(image, "/dev/initctl"));
    String raw =
        RealImages.check(Command.of("debugfs", "-R", "stat /dev/null", image.toString()).build())
            .stdoutText();
    assertTrue(raw.contains("Device major/minor number: 01:03"), raw);
    assertFsckClean(image);
  }

  @Test
  void specialNodesRefuseOtherTypesAndOutOfRangeNumbers() {
    GuestPath p = GuestPath.of("/dev/x");
    assertThrows(Ext4Exception.class, () -> new SpecialNode(p, FileType.REGULAR, 0, 0));
    assertThrows(Ext4Exception.class, () -> new SpecialNode(p, FileType.CHAR_DEVICE, 4096, 0));
    assertThrows(Ext4Exception.class, () -> new SpecialNode(p, FileType.CHAR_DEVICE, 1, -1));
    assertThrows(Ext4Exception.class, () -> new SpecialNode(GuestPath.ROOT, FileType.FIFO, 0, 0));
  }

  @Test
  void setOwnershipOfAMissingPathFailsNamingDebugfsError() {
    Ext4Exception e =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.setOwnership(
                    kit.open(image), List.of(new Ownership(GuestPath.of("/nope"), 0, 0, 0100644))));
    assertEquals(Ext4Exception.Kind.TOOL_FAILED, e.kind());
    assertTrue(e.getMessage().contains("/nope"), e.getMessage());
  }

  @Test
  void probeReadAndList() {
    byte[] binary = new byte[70_000];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) (i * 31);
    }
    kit.apply(
        kit.open(image),
        new Ext4Edit()
            .write("/data/blob", binary, 3, 4, 0640)
            .write("/data/x y", utf8("y"), 0, 0, 0644)
            .mkdir("/data/sub", 0, 0, 0711));
    Ext4Image img = kit.open(image);
    Map<GuestPath, InodeInfo> probe =
        kit.stat(
            img,
            List.of(GuestPath.of("/data/blob"), GuestPath.of("/missing"), GuestPath.of("/data")));
    assertEquals(2, probe.size());
    InodeInfo blob = probe.get(GuestPath.of("/data/blob"));
    assertEquals(0100640, blob.mode());
    assertEquals(3, blob.uid());
    assertEquals(70_000, blob.size());
    assertArrayEquals(binary, kit.readFile(img, GuestPath.of("/data/blob"), 1 << 20));

    List<DirEntry> entries = new ArrayList<>(kit.list(img, GuestPath.of("/data")));
    entries.sort((a, b) -> a.name().compareTo(b.name()));
    assertEquals(List.of("blob", "sub", "x y"), entries.stream().map(DirEntry::name).toList());
    assertEquals(FileType.DIRECTORY, entries.get(1).type());
    assertEquals(040711, entries.get(1).mode());
    assertEquals(1, entries.get(2).size());
  }

  /**
   * systemd escapes unit names with backslashes ({@code system-systemd\x2dcryptsetup.slice}), so
   * every Debian image with systemd has them: debugfs takes a backslash literally, inside double
   * quotes too, and each toolkit operation must carry it unchanged.
   */
  @Test
  void backslashesInNamesAreCarriedLiterallyByEveryOperation() throws Exception {
    String unit = "/lib/systemd/system/system-systemd\\x2dcryptsetup.slice";
    String trailing = "/lib/odd\\";
    String dirWithBackslash = "/lib/a\\\\b";
    kit.apply(
        kit.open(image),
        new Ext4Edit()
            .write(unit, utf8("[Unit]\n"), 1000, 1000, 0644)
            .write(trailing, utf8("t"), 1000, 1000, 0644)
            .mkdir(dirWithBackslash, 1000, 1000, 0755)
            .mkdir("/dev", 0, 0, 0755));
    GuestPath node = GuestPath.of("/dev/x\\y");
    kit.setOwnership(
        kit.open(image),
        List.of(new SpecialNode(node, FileType.CHAR_DEVICE, 1, 3)),
        List.of(
            new Ownership(GuestPath.of(unit), 0, 0, 0100600),
                new Ownership(GuestPath.of(trailing), 0, 5, 0104755),
            new Ownership(GuestPath.of(dirWithBackslash), 0, 0, 040700),
                new Ownership(node, 0, 0, 020666)));
    assertEquals(new RealImages.Stat("regular", 0600, 0, 0, 7), stat(image, unit));
    assertEquals(new RealImages.Stat("regular", 04755, 0, 5, 1), stat(image, trailing));
    assertEquals(
        new RealImages.Stat("directory", 0700, 0, 0, -1),
        stat(image, dirWithBackslash).ignoringSize());
    assertEquals(new RealImages.Stat("character special", 0666, 0, 0, 0), stat(image, "/dev/x\\y"));
    Ext4Image img = kit.open(image);
    assertEquals(
        "[Unit]\n", new String(kit.readFile(img, GuestPath.of(unit), 100), StandardCharsets.UTF_8));
    assertEquals(
        List.of("a\\\\b", "odd\\", "systemd"),
        kit.list(img, GuestPath.of("/lib")).stream().map(DirEntry::name).sorted().toList());
    Path out = Files.createDirectories(dir.resolve("out"));
    Path lib = kit.extract(img, GuestPath.of("/lib"), out);
    assertEquals(
        "[Unit]\n",
        Files.readString(lib.resolve("systemd/system/system-systemd\\x2dcryptsetup.slice")));
    assertTrue(Files.isDirectory(lib.resolve("a\\\\b")));
    assertFsckClean(image);
  }

  @Test
  void readRefusesMissingDirectoriesAndOversize() {
    kit.apply(kit.open(image), new Ext4Edit().write("/big", new byte[5000], 0, 0, 0644));
    Ext4Image img = kit.open(image);
    assertEquals(
        Ext4Exception.Kind.NOT_FOUND,
        assertThrows(Ext4Exception.class, () -> kit.readFile(img, GuestPath.of("/nope"), 100))
            .kind());
    assertEquals(
        Ext4Exception.Kind.WRONG_TYPE,
        assertThrows(Ext4Exception.class, () -> kit.readFile(img, GuestPath.of("/lost+found"), 100))
            .kind());
    assertEquals(
        Ext4Exception.Kind.OUT_OF_RANGE,
        assertThrows(Ext4Exception.class, () -> kit.readFile(img, GuestPath.of("/big"), 4999))
            .kind());
    assertEquals(
        Ext4Exception.Kind.WRONG_TYPE,
        assertThrows(Ext4Exception.class, () -> kit.list(img, GuestPath.of("/big"))).kind());
    assertEquals(
        Ext4Exception.Kind.NOT_FOUND,
        assertThrows(Ext4Exception.class, () -> kit.list(img, GuestPath.of("/nope"))).kind());
  }

  @Test
  void extractsASubtreeWithModes() throws Exception {
    kit.apply(
        kit.open(image),
        new Ext4Edit()
            .write("/root/.bashrc", utf8("PS1=x\n"), 0, 0, 0644)
            .write("/root/bin/tool", utf8("#!/bin/sh\n"), 0, 0, 0755)
            .mkdir("/root/empty", 0, 0, 0700));
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Path root = kit.extract(kit.open(image), GuestPath.of("/root"), out);
    assertEquals(out.resolve("root"), root);
    assertEquals("PS1=x\n", Files.readString(root.resolve(".bashrc")));
    assertTrue(Files.isExecutable(root.resolve("bin/tool")));
    assertTrue(Files.isDirectory(root.resolve("empty")));
  }

  @Test
  void typeConflictsAreRefusedBeforeAnyWrite() throws Exception {
    kit.apply(kit.open(image), new Ext4Edit().write("/etc/file", utf8("x"), 0, 0, 0644));
    byte[] before = Files.readAllBytes(image);
    Ext4Exception e1 =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.apply(
                    kit.open(image),
                    new Ext4Edit()
                        .write("/a", utf8("a"), 0, 0, 0644)
                        .mkdir("/etc/file", 0, 0, 0755)));
    assertEquals(Ext4Exception.Kind.WRONG_TYPE, e1.kind());
    Ext4Exception e2 =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.apply(
                    kit.open(image),
                    new Ext4Edit().write("/etc/file/child", utf8("a"), 0, 0, 0644)));
    assertEquals(Ext4Exception.Kind.WRONG_TYPE, e2.kind());
    Ext4Exception e3 =
        assertThrows(
            Ext4Exception.class,
            () -> kit.apply(kit.open(image), new Ext4Edit().write("/etc", utf8("a"), 0, 0, 0644)));
    assertEquals(Ext4Exception.Kind.WRONG_TYPE, e3.kind());
    Ext4Exception e4 =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.apply(
                    kit.open(image),
                    new Ext4Edit().write("/huge", new byte[80 << 20], 0, 0, 0644)));
    assertEquals(Ext4Exception.Kind.OUT_OF_RANGE, e4.kind());
    assertArrayEquals(
        before, Files.readAllBytes(image), "a refused edit must not change the image");
    assertTrue(Files.list(dir.resolve("scratch")).findAny().isEmpty(), "scratch files are removed");
  }

  @Test
  void editValidationRejectsBadIdsModesAndDuplicates() {
    assertThrows(Ext4Exception.class, () -> new Ext4Edit().write("/a", new byte[0], -1, 0, 0644));
    assertThrows(
        Ext4Exception.class, () -> new Ext4Edit().write("/a", new byte[0], 0, 0xFFFF_FFFFL, 0644));
    assertThrows(Ext4Exception.class, () -> new Ext4Edit().write("/a", new byte[0], 0, 0, 0100644));
    assertThrows(Ext4Exception.class, () -> new Ext4Edit().mkdir("/a", 0, 0, 010000));
    assertThrows(
        Ext4Exception.class,
        () -> new Ext4Edit().write("/a", new byte[0], 0, 0, 0644).mkdir("/a", 0, 0, 0755));
    assertThrows(Ext4Exception.class, () -> new Ext4Edit().mkdir("/", 0, 0, 0755));
    assertThrows(
        Ext4Exception.class, () -> new Ext4Edit().rootInode(0, 0, 0755).rootInode(0, 0, 0700));
  }

  @Test
  void imagesThatAreNotExt4AreRefused() throws Exception {
    Path text = Files.writeString(dir.resolve("text"), "hello");
    Path zeros = dir.resolve("zeros");
    Files.write(zeros, new byte[8192]);
    Path truncated = dir.resolve("trunc.ext4");
    Files.copy(image, truncated);
    try (var ch =
        java.nio.channels.FileChannel.open(truncated, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(8 << 20);
    }
    Path link = Files.createSymbolicLink(dir.resolve("link.ext4"), image);
    for (Path p : List.of(text, zeros, truncated, dir, link, dir.resolve("missing"))) {
      Ext4Exception e = assertThrows(Ext4Exception.class, () -> kit.open(p), p.toString());
      assertEquals(Ext4Exception.Kind.NOT_AN_IMAGE, e.kind(), e.getMessage());
    }
    assertTrue(
        assertThrows(Ext4Exception.class, () -> kit.open(truncated))
            .getMessage()
            .contains("truncated"));
    assertNotNull(kit.open(image));
  }

  @Test
  void blockDevicesNeedTheCapability() {
    Path dev = Path.of("/dev/loop-control").toFile().exists() ? Path.of("/dev/loop0") : null;
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev != null && Files.exists(dev), "no /dev/loop0 on this host");
    Ext4Exception e = assertThrows(Ext4Exception.class, () -> kit.open(dev));
    assertEquals(Ext4Exception.Kind.PERMISSION, e.kind());
    assertTrue(e.getMessage().contains("CAP_SYS_ADMIN"), e.getMessage());
  }

  @Test
  void missingInodeStatIsNull() {
    assertNull(stat(image, "/nothing"));
  }
}
