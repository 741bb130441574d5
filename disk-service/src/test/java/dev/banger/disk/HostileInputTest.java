package dev.banger.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.BuildWorkSeedRequest;
import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.FstabEntry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.ListExt4DirectoryRequest;
import dev.banger.api.disk.v1.ProbeExt4PathsRequest;
import dev.banger.api.disk.v1.ReadExt4FileRequest;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.ext4.RealImages;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile requests against a running disk-service: each must fail with a clear status naming the
 * problem, and leave every file under the state directory byte-identical (SHA-256 of the whole
 * tree, names included) with no row added.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {

  static final String VM = "0f8fad5b-d9cb-469f-a165-70867728950e";

  @TempDir static Path dir;
  ServiceHarness h;
  DiskServiceGrpc.DiskServiceBlockingStub disk;
  Path base;
  Path overlay;
  Path seed;
  Path images;

  @BeforeAll
  void start() throws Exception {
    h = ServiceHarness.start(dir.resolve("state"), new DiskServiceModule());
    disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
    images = h.layout().images();
    base = TestRootfs.build(images, "debian.ext4");
    seed =
        Path.of(
            disk.buildWorkSeed(
                    BuildWorkSeedRequest.newBuilder().setRootfsPath(base.toString()).build())
                .getSeedPath());
    overlay =
        Path.of(
            disk.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(VM)
                        .setBasePath(base.toString())
                        .build())
                .getOverlay()
                .getPath());
    // Bait planted inside the state directory.
    Files.writeString(dir.resolve("outside.ext4"), "not yours");
    Files.copy(base, dir.resolve("outside-real.ext4"));
    Files.createSymbolicLink(images.resolve("escape.ext4"), dir.resolve("outside-real.ext4"));
    Files.createSymbolicLink(images.resolve("passwd.ext4"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(images.resolve("updir"), dir);
    Files.writeString(images.resolve("text.ext4"), "hello, not a filesystem\n".repeat(400));
    Files.createFile(images.resolve("empty.ext4"));
    Files.createDirectories(images.resolve("adir.ext4"));
    RealImages.check(Command.of("mkfifo", images.resolve("fifo.ext4").toString()).build());
    Path truncated = images.resolve("truncated.ext4");
    Files.copy(base, truncated);
    try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
      f.setLength(4L << 20);
    }
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (contentBefore != null) {
        assertEquals(
            contentBefore,
            contentHash(),
            "file contents under the state directory changed during the suite");
      }
    } finally {
      h.close();
    }
  }

  record Case(
      String name,
      Status.Code expected,
      String mentions,
      Consumer<DiskServiceGrpc.DiskServiceBlockingStub> call) {}

  static Case c(
      String name,
      Status.Code code,
      String mentions,
      Consumer<DiskServiceGrpc.DiskServiceBlockingStub> call) {
    return new Case(name, code, mentions, call);
  }

  static final Status.Code INVALID = Status.Code.INVALID_ARGUMENT;

  List<Case> cases() {
    List<Case> l = new ArrayList<>();
    // --- vm ids
    for (String id :
        List.of(
            "",
            "../../etc",
            "0F8FAD5B-D9CB-469F-A165-70867728950E",
            VM + "\n",
            "x; rm -rf /",
            VM + "0",
            "/etc/passwd",
            VM.replace('-', '_'))) {
      l.add(
          c(
              "vm_id " + PathGuard.printable(id),
              INVALID,
              "vm_id",
              s ->
                  s.createOverlay(
                      CreateOverlayRequest.newBuilder()
                          .setVmId(id)
                          .setBasePath(base.toString())
                          .build())));
    }
    l.add(
        c(
            "remove with a traversal vm id",
            INVALID,
            "vm_id",
            s -> s.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId("../" + VM).build())));
    // --- base paths
    String vm2 = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    Map<String, String> bases =
        new TreeMap<>(
            Map.ofEntries(
                Map.entry("empty base", ""),
                Map.entry("relative base", "lib/images/debian.ext4"),
                Map.entry("/etc/passwd", "/etc/passwd"),
                Map.entry("a host block device", "/dev/loop0"),
                Map.entry("dot-dot out of images", images + "/../../../outside.ext4"),
                Map.entry(
                    "symlink escaping to a real image", images.resolve("escape.ext4").toString()),
                Map.entry("symlink to /etc/passwd", images.resolve("passwd.ext4").toString()),
                Map.entry(
                    "symlinked directory escape",
                    images.resolve("updir/outside-real.ext4").toString()),
                Map.entry("missing file", images.resolve("nope.ext4").toString()),
                Map.entry("the images directory", images.toString()),
                Map.entry("a directory", images.resolve("adir.ext4").toString()),
                Map.entry("a FIFO", images.resolve("fifo.ext4").toString()),
                Map.entry("a text file", images.resolve("text.ext4").toString()),
                Map.entry("an empty file", images.resolve("empty.ext4").toString()),
                Map.entry("a truncated image", images.resolve("truncated.ext4").toString()),
                Map.entry("the service database", h.layout().database(ServiceName.DISK).toString()),
                Map.entry("a VM's overlay as base", overlay.toString()),
                Map.entry("NUL in path", images + "/debian.ext4\0.x"),
                Map.entry("5000-character path", "/" + "a".repeat(5000))));
    bases.forEach(
        (name, p) ->
            l.add(
                c(
                    "base: " + name,
                    INVALID,
                    "",
                    s ->
                        s.createOverlay(
                            CreateOverlayRequest.newBuilder()
                                .setVmId(vm2)
                                .setBasePath(p)
                                .build()))));
    // --- sizes
    l.add(
        c(
            "overlay size 2^64-1",
            INVALID,
            "out of range",
            s ->
                s.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(vm2)
                        .setBasePath(base.toString())
                        .setSizeBytes(-1L)
                        .build())));
    l.add(
        c(
            "overlay size not a multiple of 4096",
            INVALID,
            "4096",
            s ->
                s.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(vm2)
                        .setBasePath(base.toString())
                        .setSizeBytes((256L << 20) + 1)
                        .build())));
    l.add(
        c(
            "overlay size over 1 TiB",
            INVALID,
            "out of range",
            s ->
                s.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(vm2)
                        .setBasePath(base.toString())
                        .setSizeBytes(2L << 40)
                        .build())));
    l.add(
        c(
            "overlay smaller than its base",
            INVALID,
            "smaller than the base",
            s ->
                s.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(vm2)
                        .setBasePath(base.toString())
                        .setSizeBytes(32L << 20)
                        .build())));
    l.add(
        c(
            "work disk without a size",
            INVALID,
            "required",
            s -> s.createWorkDisk(CreateWorkDiskRequest.newBuilder().setVmId(vm2).build())));
    l.add(
        c(
            "work disk below 16 MiB",
            INVALID,
            "minimum",
            s ->
                s.createWorkDisk(
                    CreateWorkDiskRequest.newBuilder().setVmId(vm2).setSizeBytes(4096).build())));
    l.add(
        c(
            "work disk smaller than its seed",
            INVALID,
            "smaller than the work-seed",
            s ->
                s.createWorkDisk(
                    CreateWorkDiskRequest.newBuilder()
                        .setVmId(vm2)
                        .setSeedPath(seed.toString())
                        .setSizeBytes(64L << 20)
                        .build())));
    l.add(
        c(
            "work disk seed outside the state dir",
            INVALID,
            "outside",
            s ->
                s.createWorkDisk(
                    CreateWorkDiskRequest.newBuilder()
                        .setVmId(vm2)
                        .setSeedPath(dir.resolve("outside-real.ext4").toString())
                        .setSizeBytes(1L << 30)
                        .build())));
    // --- guest files
    // A backslash is no longer refused: debugfs takes it literally (GuestPath, Ext4ToolkitTest).
    for (String p :
        List.of(
            "/etc/a\"b",
            "/etc/./b",
            "/etc/a\nb",
            "etc/hostname",
            "/etc/../shadow",
            "",
            "/etc//x",
            "/a\u001b[31m",
            "/" + "n".repeat(300))) {
      l.add(
          c(
              "guest path " + PathGuard.printable(p),
              INVALID,
              "guest path",
              s -> s.writeGuestFiles(write().addFiles(file(p, 0644)).build())));
    }
    l.add(
        c(
            "same guest path twice",
            INVALID,
            "twice",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFiles(file("/etc/x", 0644))
                        .addFiles(file("/etc/x", 0644))
                        .build())));
    l.add(
        c(
            "file mode with type bits",
            INVALID,
            "permission bits",
            s -> s.writeGuestFiles(write().addFiles(file("/etc/x", 0100644)).build())));
    l.add(
        c(
            "uid 2^32-1",
            INVALID,
            "out of range",
            s -> s.writeGuestFiles(write().addFiles(file("/etc/x", 0644).setUid(-1)).build())));
    l.add(
        c(
            "directory with a file mode",
            INVALID,
            "non-directory",
            s ->
                s.writeGuestFiles(
                    write()
                        .addDirectories(Ext4Entry.newBuilder().setPath("/srv").setMode(0100755))
                        .build())));
    l.add(
        c(
            "write the filesystem root as a file",
            INVALID,
            "directory",
            s -> s.writeGuestFiles(write().addFiles(file("/", 0644)).build())));
    l.add(
        c(
            "file over an existing directory",
            Status.Code.FAILED_PRECONDITION,
            "not a file",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFiles(file("/etc/hostname", 0644))
                        .addFiles(file("/etc", 0644))
                        .build())));
    l.add(
        c(
            "fstab option with a newline",
            INVALID,
            "fstab options",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFstabAdd(
                            FstabEntry.newBuilder()
                                .setSource("tmpfs")
                                .setTarget("/tmp")
                                .setFsType("tmpfs")
                                .setOptions("defaults\n/dev/sda / ext4"))
                        .build())));
    l.add(
        c(
            "fstab relative target",
            INVALID,
            "not absolute",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFstabAdd(
                            FstabEntry.newBuilder()
                                .setSource("tmpfs")
                                .setTarget("tmp")
                                .setFsType("tmpfs"))
                        .build())));
    l.add(
        c(
            "fstab source starting a comment",
            INVALID,
            "fstab source",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFstabAdd(
                            FstabEntry.newBuilder()
                                .setSource("#x")
                                .setTarget("/tmp")
                                .setFsType("tmpfs"))
                        .build())));
    l.add(
        c(
            "fstab drop target with ..",
            INVALID,
            "'..'",
            s -> s.writeGuestFiles(write().addFstabDropTargets("/home/..").build())));
    l.add(
        c(
            "fstab written whole and edited",
            INVALID,
            "pick one",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFiles(file("/etc/fstab", 0644))
                        .addFstabDropTargets("/home")
                        .build())));
    l.add(
        c(
            "1025 files",
            INVALID,
            "at most",
            s -> {
              var b = write();
              for (int i = 0; i < 1025; i++) {
                b.addFiles(file("/f" + i, 0644));
              }
              s.writeGuestFiles(b.build());
            }));
    l.add(
        c(
            "guest files into an image outside",
            INVALID,
            "outside",
            s ->
                s.writeGuestFiles(
                    write()
                        .setImagePath(dir.resolve("outside-real.ext4").toString())
                        .addFiles(file("/x", 0644))
                        .build())));
    l.add(
        c(
            "guest files through a symlink escape",
            INVALID,
            "outside",
            s ->
                s.writeGuestFiles(
                    write()
                        .setImagePath(images.resolve("escape.ext4").toString())
                        .addFiles(file("/x", 0644))
                        .build())));
    l.add(
        c(
            "guest files into a text file",
            INVALID,
            "not an ext2/3/4",
            s ->
                s.writeGuestFiles(
                    write()
                        .setImagePath(images.resolve("text.ext4").toString())
                        .addFiles(file("/x", 0644))
                        .build())));
    l.add(
        c(
            "guest files into a truncated image",
            INVALID,
            "truncated",
            s ->
                s.writeGuestFiles(
                    write()
                        .setImagePath(images.resolve("truncated.ext4").toString())
                        .addFiles(file("/x", 0644))
                        .build())));
    l.add(
        c(
            "guest files bigger than the free space",
            INVALID,
            "bytes free",
            s ->
                s.writeGuestFiles(
                    write()
                        .addFiles(
                            GuestFile.newBuilder()
                                .setPath("/big")
                                .setMode(0644)
                                .setContent(ByteString.copyFrom(new byte[3 << 20])))
                        .addFiles(
                            GuestFile.newBuilder()
                                .setPath("/big2")
                                .setMode(0644)
                                .setContent(ByteString.copyFrom(new byte[1])))
                        .setImagePath(small.toString())
                        .build())));
    // --- probes and reads
    l.add(
        c(
            "probe path with a newline",
            INVALID,
            "U+000A",
            s ->
                s.probeExt4Paths(
                    ProbeExt4PathsRequest.newBuilder()
                        .setImagePath(overlay.toString())
                        .addPaths("/etc\nstat /")
                        .build())));
    l.add(
        c(
            "probe of 1025 paths",
            INVALID,
            "at most",
            s -> {
              var b = ProbeExt4PathsRequest.newBuilder().setImagePath(overlay.toString());
              for (int i = 0; i < 1025; i++) {
                b.addPaths("/p" + i);
              }
              s.probeExt4Paths(b.build());
            }));
    l.add(
        c(
            "read of a missing file",
            Status.Code.NOT_FOUND,
            "does not exist",
            s ->
                s.readExt4File(
                    ReadExt4FileRequest.newBuilder()
                        .setImagePath(overlay.toString())
                        .setPath("/etc/shadow")
                        .build())));
    l.add(
        c(
            "read of a directory",
            Status.Code.FAILED_PRECONDITION,
            "not a regular file",
            s ->
                s.readExt4File(
                    ReadExt4FileRequest.newBuilder()
                        .setImagePath(overlay.toString())
                        .setPath("/etc")
                        .build())));
    l.add(
        c(
            "read of /etc/passwd through a symlink",
            INVALID,
            "outside",
            s ->
                s.readExt4File(
                    ReadExt4FileRequest.newBuilder()
                        .setImagePath(images.resolve("passwd.ext4").toString())
                        .setPath("/x")
                        .build())));
    l.add(
        c(
            "list of a file",
            Status.Code.FAILED_PRECONDITION,
            "not a directory",
            s ->
                s.listExt4Directory(
                    ListExt4DirectoryRequest.newBuilder()
                        .setImagePath(overlay.toString())
                        .setPath("/etc/fstab")
                        .build())));
    // --- work-seeds
    l.add(
        c(
            "work-seed of a work-seed",
            INVALID,
            "itself a work-seed",
            s ->
                s.buildWorkSeed(
                    BuildWorkSeedRequest.newBuilder().setRootfsPath(seed.toString()).build())));
    l.add(
        c(
            "work-seed of a text file",
            INVALID,
            "not an ext2/3/4",
            s ->
                s.buildWorkSeed(
                    BuildWorkSeedRequest.newBuilder()
                        .setRootfsPath(images.resolve("text.ext4").toString())
                        .build())));
    l.add(
        c(
            "work-seed of a VM's overlay",
            INVALID,
            "outside",
            s ->
                s.buildWorkSeed(
                    BuildWorkSeedRequest.newBuilder().setRootfsPath(overlay.toString()).build())));
    return l;
  }

  private Path small;

  /** A 16 MiB image under images/ that is nearly full, for the free-space case. */
  private Path seedSmall() throws Exception {
    if (small == null) {
      Path stage = Files.createDirectories(dir.resolve("full-stage"));
      try (RandomAccessFile f = new RandomAccessFile(stage.resolve("filler").toFile(), "rw")) {
        byte[] data = new byte[13 << 20]; // non-zero: mkfs -d stores zero runs as holes
        java.util.Arrays.fill(data, (byte) 0x5a);
        f.write(data);
      }
      small = images.resolve("full.ext4");
      new dev.banger.ext4.E2fsTools(RealImages.RUNNER).mkfs(small, 16L << 20, stage);
    }
    return small;
  }

  WriteGuestFilesRequest.Builder write() {
    return WriteGuestFilesRequest.newBuilder().setImagePath(overlay.toString());
  }

  static GuestFile.Builder file(String path, int mode) {
    return GuestFile.newBuilder()
        .setPath(path)
        .setMode(mode)
        .setContent(ByteString.copyFromUtf8("x\n"));
  }

  /** Full content hash of the tree, taken once before the suite and compared once after it. */
  String contentBefore;

  @TestFactory
  Stream<DynamicTest> everyHostileRequestIsRefusedAndChangesNothing() throws Exception {
    seedSmall();
    contentBefore = contentHash();
    List<Case> cases = cases();
    assertTrue(cases.size() >= 40, "the suite has " + cases.size() + " cases");
    return cases.stream()
        .map(
            k ->
                DynamicTest.dynamicTest(
                    k.name(),
                    () -> {
                      String before = fingerprint();
                      StatusRuntimeException e =
                          org.junit.jupiter.api.Assertions.assertThrows(
                              StatusRuntimeException.class, () -> k.call().accept(disk), k.name());
                      String msg = e.getStatus().getDescription();
                      assertEquals(k.expected(), e.getStatus().getCode(), k.name() + ": " + msg);
                      assertTrue(
                          msg != null && msg.contains(k.mentions()),
                          k.name() + ": \"" + msg + "\" should mention " + k.mentions());
                      assertFalse(msg.contains("\n"), "one-line message: " + msg);
                      assertTrue(Errors.errorInfo(e).isPresent(), "ErrorInfo attached");
                      assertEquals(
                          before, fingerprint(), k.name() + " changed the state directory");
                    }));
  }

  /**
   * Per-case fingerprint: every path with its inode, size, mtime and ctime (a write of any kind
   * moves ctime, which no caller can set back), plus the row count. Cheap enough for every case;
   * {@link #contentHash} hashes the bytes themselves around the whole suite.
   */
  String fingerprint() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (Path p : tree()) {
      Map<String, Object> a =
          Files.readAttributes(
              p, "unix:ino,size,lastModifiedTime,ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
      md.update(
          (p
                  + " "
                  + a.get("ino")
                  + " "
                  + a.get("size")
                  + " "
                  + a.get("lastModifiedTime")
                  + " "
                  + a.get("ctime")
                  + "\n")
              .getBytes());
    }
    try (var c =
            java.sql.DriverManager.getConnection(
                "jdbc:sqlite:" + h.layout().database(ServiceName.DISK));
        var rs = c.createStatement().executeQuery("SELECT count(*) FROM disk_objects")) {
      rs.next();
      md.update(rs.getString(1).getBytes());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  String contentHash() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (Path p : tree()) {
      md.update(p.toString().getBytes());
      if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try (var in = Files.newInputStream(p)) {
          byte[] buf = new byte[1 << 20];
          for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
          }
        }
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  List<Path> tree() throws Exception {
    List<Path> all = new ArrayList<>();
    for (Path root :
        List.of(h.layout().images(), h.layout().vms(), h.layout().libDir().resolve("tmp"))) {
      try (Stream<Path> walk = Files.walk(root)) {
        all.addAll(walk.sorted().toList());
      }
    }
    return all;
  }
}
