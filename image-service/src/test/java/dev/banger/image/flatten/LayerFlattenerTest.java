package dev.banger.image.flatten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.banger.ext4.FileType;
import dev.banger.image.testing.TarLayers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerFlattenerTest {

  @TempDir Path dir;
  Path root;
  LayerFlattener f;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(dir.resolve("root"));
    f = new LayerFlattener(root, FlattenLimits.defaults(), 1000, 1000);
  }

  private void apply(TarLayers layer) throws Exception {
    f.apply(layer.stream(), "test");
  }

  @Test
  void aPullStopsWhenTheDiskIsDownToItsReserve() throws Exception {
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    // Free space as the filesystem reports it: plenty at the first look, then below the reserve.
    SpaceGuard guard =
        new SpaceGuard(() -> reads.incrementAndGet() == 1 ? 1L << 30 : 100L << 20, 200L << 20);
    LayerFlattener guarded =
        new LayerFlattener(root, FlattenLimits.defaults(), 1000, 1000, () -> false, guard);
    SpaceGuard.NoSpaceException e =
        assertThrows(
            SpaceGuard.NoSpaceException.class,
            () ->
                guarded.apply(
                    TarLayers.layer()
                        .file("big", new byte[160 << 20], 0644, 0, 0)
                        .file("after", "x".getBytes(), 0644, 0, 0)
                        .stream(),
                    "test"));
    assertEquals(2, reads.get(), "looked at 64 MiB, stopped at 128 MiB");
    assertTrue(
        e.getMessage().contains("down to 104857600 free bytes, below the reserve of 209715200")
            && e.getMessage().contains("tar entry \"big\""),
        e.getMessage());
    assertFalse(Files.exists(root.resolve("after")));
  }

  @Test
  void aCancelStopsInsideABigFileAndBeforeTheNextEntry() throws Exception {
    // 32 MiB of zeros (all holes on disk, as a hostile layer's would be): the read of it is
    // what takes the time, and what a cancel must cut short.
    byte[] zeros = new byte[32 << 20];
    java.util.concurrent.atomic.AtomicInteger checks =
        new java.util.concurrent.atomic.AtomicInteger();
    int allowed = 100; // an entry check, then ~100 reads of 64 KiB: about 6 MiB into the file
    LayerFlattener cancelling =
        new LayerFlattener(
            root,
            FlattenLimits.defaults(),
            1000,
            1000,
            () -> checks.incrementAndGet() > allowed,
            SpaceGuard.none());
    java.util.concurrent.CancellationException e =
        assertThrows(
            java.util.concurrent.CancellationException.class,
            () ->
                cancelling.apply(
                    TarLayers.layer()
                        .file("big", zeros, 0644, 0, 0)
                        .file("after", "x".getBytes(), 0644, 0, 0)
                        .stream(),
                    "test"));
    assertEquals("the pull was cancelled", e.getMessage());
    assertEquals(allowed + 1, checks.get(), "stopped at the first check after the cancel");
    assertFalse(Files.exists(root.resolve("after")), "no entry after the cancel");
  }

  @Test
  void keepsEachEntrysHeaderFactsAndStagesContent() throws Exception {
    apply(
        TarLayers.layer()
            .dir("usr/bin", 0755)
            .file("usr/bin/sudo", "sudo!".getBytes(), 04755, 0, 0)
            .file("etc/shadow", "s".getBytes(), 0640, 0, 42)
            .symlink("bin", "usr/bin")
            .hardlink("usr/bin/sudoedit", "usr/bin/sudo")
            .charDevice("dev/null", 1, 3, 0666)
            .fifo("run/fifo", 0600));
    FlattenResult r = f.finish();

    EntryMeta sudo = r.entries().get("usr/bin/sudo");
    assertEquals(new EntryMeta(FileType.REGULAR, 0, 0, 04755, sudo.mtime(), 0, 0), sudo);
    assertEquals(0100000 | 04755, sudo.mode());
    assertEquals("sudo!", Files.readString(root.resolve("usr/bin/sudo")));
    assertEquals(42, r.entries().get("etc/shadow").gid());
    assertEquals(FileType.DIRECTORY, r.entries().get("etc").type(), "implicit parent recorded");
    assertEquals(0755, r.entries().get("etc").perm());
    assertTrue(Files.isSymbolicLink(root.resolve("bin")));
    assertEquals("usr/bin", Files.readSymbolicLink(root.resolve("bin")).toString());
    assertEquals(
        Files.readAttributes(root.resolve("usr/bin/sudo"), "unix:ino").get("ino"),
        Files.readAttributes(root.resolve("usr/bin/sudoedit"), "unix:ino").get("ino"),
        "a real hard link");
    EntryMeta nul = r.entries().get("dev/null");
    assertEquals(FileType.CHAR_DEVICE, nul.type());
    assertEquals(1, nul.devMajor());
    assertEquals(3, nul.devMinor());
    assertFalse(
        Files.exists(root.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS),
        "devices are metadata only");
    assertEquals(FileType.FIFO, r.entries().get("run/fifo").type());
    assertEquals(5 + 1, r.contentBytes());
  }

  @Test
  void stagesFilesOwnerReadableAndKnowsWhichNeedTheOwnershipPass() throws Exception {
    f = new LayerFlattener(root, FlattenLimits.defaults(), 0, 0);
    apply(
        TarLayers.layer()
            .file("plain", "x".getBytes(), 0644, 0, 0)
            .file("exec", "x".getBytes(), 0755, 0, 0)
            .file("locked", "x".getBytes(), 0000, 0, 0)
            .file("suid", "x".getBytes(), 04755, 0, 0)
            .file("theirs", "x".getBytes(), 0644, 1000, 1000)
            .dir("tmp", 01777));
    FlattenResult r = f.finish();
    assertEquals("rw-------", perms("locked"), "staged readable so mkfs -d can copy it");
    assertTrue(r.stagedAsIs(r.entries().get("plain")));
    assertTrue(r.stagedAsIs(r.entries().get("exec")));
    assertFalse(r.stagedAsIs(r.entries().get("locked")));
    assertFalse(r.stagedAsIs(r.entries().get("suid")));
    assertFalse(r.stagedAsIs(r.entries().get("theirs")));
    assertFalse(r.stagedAsIs(r.entries().get("tmp")));
  }

  private String perms(String rel) throws Exception {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(root.resolve(rel)));
  }

  @Test
  void whiteoutRemovesTheVictimAndItsMetadata() throws Exception {
    apply(TarLayers.layer().file("a/b", "1").file("a/c", "2").file("a/d/e", "3"));
    apply(TarLayers.layer().file("a/.wh.b", "").file("a/.wh.d", ""));
    FlattenResult r = f.finish();
    assertFalse(Files.exists(root.resolve("a/b")));
    assertFalse(Files.exists(root.resolve("a/d")));
    assertTrue(Files.exists(root.resolve("a/c")));
    assertNull(r.entries().get("a/b"));
    assertNull(r.entries().get("a/d/e"));
    assertFalse(Files.exists(root.resolve("a/.wh.b")), "whiteout markers are not staged");
  }

  @Test
  void opaqueDirectoryHidesLowerLayersButKeepsItsOwnLayersEntries() throws Exception {
    apply(TarLayers.layer().file("d/x", "lower").file("d/y/z", "lower").file("keep/me", "k"));
    apply(
        TarLayers.layer().file("d/y/w", "upper").file("d/.wh..wh..opq", "").file("d/new", "upper"));
    FlattenResult r = f.finish();
    assertFalse(Files.exists(root.resolve("d/x")));
    assertFalse(Files.exists(root.resolve("d/y/z")));
    assertNull(r.entries().get("d/y/z"));
    assertEquals("upper", Files.readString(root.resolve("d/y/w")));
    assertEquals("upper", Files.readString(root.resolve("d/new")));
    assertTrue(Files.exists(root.resolve("keep/me")));
  }

  @Test
  void whiteoutOfAnEntryOfTheSameLayerIsIgnored() throws Exception {
    apply(TarLayers.layer().file("a/b", "same layer").file("a/.wh.b", ""));
    assertEquals("same layer", Files.readString(root.resolve("a/b")));
  }

  @Test
  void laterEntriesReplaceEarlierOnesWhateverTheirType() throws Exception {
    apply(
        TarLayers.layer().file("p", "file").dir("q", 0700).file("q/child", "c").file("r", "first"));
    apply(
        TarLayers.layer()
            .dir("p", 0711)
            .file("q", "now a file")
            .file("r", "second")
            .symlink("s", "r"));
    apply(TarLayers.layer().file("s", "file over symlink"));
    FlattenResult r = f.finish();
    assertTrue(Files.isDirectory(root.resolve("p")));
    assertEquals(0711, r.entries().get("p").perm());
    assertEquals("now a file", Files.readString(root.resolve("q")));
    assertNull(r.entries().get("q/child"));
    assertEquals("second", Files.readString(root.resolve("r")));
    assertFalse(Files.isSymbolicLink(root.resolve("s")));
    assertEquals(
        "second",
        Files.readString(root.resolve("r")),
        "writing s did not write through the old link");
  }

  @Test
  void directoryOverDirectoryKeepsChildrenAndTakesTheNewMetadata() throws Exception {
    apply(TarLayers.layer().dir("d", 0700).file("d/kid", "k"));
    apply(TarLayers.layer().dir("d", 0755));
    assertEquals(0755, f.finish().entries().get("d").perm());
    assertTrue(Files.exists(root.resolve("d/kid")));
  }

  @Test
  void entriesThroughSymlinkedParentsLandOnTheLinksTargetInsideTheRoot() throws Exception {
    apply(
        TarLayers.layer()
            .dir("usr/bin", 0755)
            .dir("usr/lib", 0755)
            .symlink("bin", "usr/bin")
            .symlink("lib", "/usr/lib"));
    apply(TarLayers.layer().file("bin/tool", "t").file("lib/libx.so", "l"));
    FlattenResult r = f.finish();
    assertEquals("t", Files.readString(root.resolve("usr/bin/tool")));
    assertEquals("l", Files.readString(root.resolve("usr/lib/libx.so")));
    assertTrue(r.entries().containsKey("usr/bin/tool"), "metadata is keyed by the real path");
    assertFalse(r.entries().containsKey("bin/tool"));
  }

  @Test
  void zeroBlocksBecomeHoles() throws Exception {
    byte[] big = new byte[32 << 20];
    big[big.length - 1] = 1;
    apply(TarLayers.layer().file("sparse", big, 0644, 0, 0));
    Path p = root.resolve("sparse");
    assertEquals(big.length, Files.size(p));
    long blocks =
        512
            * Long.parseLong(
                dev.banger.ext4.RealImages.check(
                        dev.banger.kit.process.Command.of("stat", "-c", "%b", p.toString()).build())
                    .stdoutText()
                    .strip());
    assertTrue(blocks < (1 << 20), "allocated " + blocks + " bytes for a 32 MiB mostly-zero file");
    assertEquals(1, Files.readAllBytes(p)[big.length - 1]);
  }

  @Test
  void gzipZstdAndXzLayersAreRecognisedByTheirBytes() throws Exception {
    byte[] tar = TarLayers.layer().file("g", "gz").build(TarLayers.Compression.NONE);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream o = new GZIPOutputStream(gz)) {
      o.write(tar);
    }
    f.apply(LayerStreams.open(new ByteArrayInputStream(gz.toByteArray())), "gz");
    byte[] tar2 = TarLayers.layer().file("z", "zstd").build(TarLayers.Compression.NONE);
    ByteArrayOutputStream zs = new ByteArrayOutputStream();
    try (ZstdOutputStream o = new ZstdOutputStream(zs)) {
      o.write(tar2);
    }
    f.apply(LayerStreams.open(new ByteArrayInputStream(zs.toByteArray())), "zstd");
    f.apply(LayerStreams.open(TarLayers.layer().file("p", "plain").stream()), "plain");
    // xz by the xz tool itself, as a bundle would be made.
    byte[] tar3 = TarLayers.layer().file("x", "xz").build(TarLayers.Compression.NONE);
    byte[] xz =
        dev.banger.ext4.RealImages.run(
                dev.banger.kit.process.Command.of("xz", "-c", "-9").stdin(tar3).build())
            .stdout();
    f.apply(LayerStreams.open(new ByteArrayInputStream(xz)), "xz");
    assertEquals("xz", Files.readString(root.resolve("x")));
    assertEquals("gz", Files.readString(root.resolve("g")));
    assertEquals("zstd", Files.readString(root.resolve("z")));
    assertEquals("plain", Files.readString(root.resolve("p")));
  }

  @Test
  void rootEntrySetsTheRootsMetadata() throws Exception {
    apply(TarLayers.layer().dir("./", 0700));
    assertEquals(0700, f.finish().entries().get("").perm());
  }
}
