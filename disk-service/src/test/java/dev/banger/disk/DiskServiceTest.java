package dev.banger.disk;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.BuildWorkSeedRequest;
import dev.banger.api.disk.v1.BuildWorkSeedResponse;
import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.FstabEntry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.ListExt4DirectoryRequest;
import dev.banger.api.disk.v1.Overlay;
import dev.banger.api.disk.v1.OverlayStrategy;
import dev.banger.api.disk.v1.ProbeExt4PathsRequest;
import dev.banger.api.disk.v1.ReadExt4FileRequest;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.RemoveWorkDiskRequest;
import dev.banger.api.disk.v1.WorkDisk;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.api.disk.v1.WriteGuestFilesResponse;
import dev.banger.disk.copy.XfsMount;
import dev.banger.ext4.RealImages;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** disk-service end to end: real gRPC over its Unix socket, real e2fsprogs, real images. */
class DiskServiceTest {

  @TempDir Path dir;

  static String vmId() {
    return UUID.randomUUID().toString();
  }

  @Test
  void overlayLifecycleIsIdempotentAndToleratesHalfMadeState() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.DISK, "banger.disk.v1.DiskService"));
      assertTrue(h.tables(ServiceName.DISK).contains("disk_objects"));
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      String vm = vmId();
      // Debris of a create that died before it was recorded.
      Path vmDir = Files.createDirectories(h.layout().vms().resolve(vm));
      Files.writeString(vmDir.resolve(".rootfs.ext4.partial"), "junk");
      Files.writeString(vmDir.resolve("rootfs.ext4"), "junk");

      Overlay o =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(vm)
                      .setBasePath(base.toString())
                      .build())
              .getOverlay();
      assertEquals(
          OverlayStrategy.OVERLAY_STRATEGY_SPARSE_COPY,
          o.getStrategy(),
          "ext4 temp dirs cannot reflink");
      assertEquals(vmDir.resolve("rootfs.ext4").toString(), o.getPath());
      assertEquals(Files.size(base), o.getSizeBytes());
      assertArrayEquals(Files.readAllBytes(base), Files.readAllBytes(Path.of(o.getPath())));
      assertFalse(Files.exists(vmDir.resolve(".rootfs.ext4.partial")));

      Overlay again =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(vm)
                      .setBasePath(base.toString())
                      .build())
              .getOverlay();
      assertEquals(o, again);
      StatusRuntimeException other =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  disk.createOverlay(
                      CreateOverlayRequest.newBuilder()
                          .setVmId(vm)
                          .setBasePath(base.toString())
                          .setSizeBytes(128L << 20)
                          .build()));
      assertEquals(Status.Code.ALREADY_EXISTS, other.getStatus().getCode());

      disk.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId(vm).build());
      disk.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId(vm).build());
      assertFalse(Files.exists(Path.of(o.getPath())));

      Overlay grown =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(vm)
                      .setBasePath(base.toString())
                      .setSizeBytes(256L << 20)
                      .build())
              .getOverlay();
      assertEquals(256L << 20, Files.size(Path.of(grown.getPath())));
      assertFsckClean(Path.of(grown.getPath()));
      assertEquals("template\n", RealImages.cat(Path.of(grown.getPath()), "/etc/hostname"));
      assertArrayEquals(
          Files.readAllBytes(base), Files.readAllBytes(base), "the base is never written");
    }
  }

  @Test
  void overlayIsAReflinkWhereTheStateDirCanClone() throws Exception {
    try (XfsMount xfs = XfsMount.create(dir)) {
      Assumptions.assumeTrue(xfs != null, XfsMount.whyUnavailable());
      try (ServiceHarness h =
          ServiceHarness.start(xfs.path().resolve("state"), new DiskServiceModule())) {
        var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
        Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
        Overlay o =
            disk.createOverlay(
                    CreateOverlayRequest.newBuilder()
                        .setVmId(vmId())
                        .setBasePath(base.toString())
                        .build())
                .getOverlay();
        assertEquals(OverlayStrategy.OVERLAY_STRATEGY_REFLINK, o.getStrategy());
        assertArrayEquals(Files.readAllBytes(base), Files.readAllBytes(Path.of(o.getPath())));
        disk.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId(o.getVmId()).build());
      }
    }
  }

  @Test
  void workSeedAndWorkDisks() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      BuildWorkSeedResponse seed =
          disk.buildWorkSeed(
              BuildWorkSeedRequest.newBuilder().setRootfsPath(base.toString()).build());
      Path seedFile = h.layout().images().resolve("debian.work-seed.ext4");
      assertEquals(seedFile.toString(), seed.getSeedPath());
      assertEquals(512L << 20, seed.getSizeBytes());
      assertEquals(4, seed.getFilesCopied(), seed.toString());
      assertEquals(1, seed.getSymlinksSkipped());
      assertEquals(1, seed.getSpecialFilesSkipped());
      assertFsckClean(seedFile);
      assertEquals(
          new RealImages.Stat("directory", 0700, 0, 0, -1), stat(seedFile, "/").ignoringSize());
      assertEquals(
          new RealImages.Stat("regular", 0644, 0, 0, 10_000),
          stat(seedFile, "/.profile"),
          ".profile was uid 1000 in the rootfs; the seed makes everything root:root");
      assertEquals(
          new RealImages.Stat("regular", 0640, 0, 0, 3),
          stat(seedFile, "/projects/deep/notes.txt"));
      assertEquals("directory", stat(seedFile, "/.ssh").type());
      assertEquals(null, stat(seedFile, "/link-to-etc"));
      assertEquals(null, stat(seedFile, "/a-fifo"));
      assertTrue(
          Files.list(h.layout().libDir().resolve("tmp/disk")).findAny().isEmpty(), "stage removed");

      String vm = vmId();
      StatusRuntimeException small =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  disk.createWorkDisk(
                      CreateWorkDiskRequest.newBuilder()
                          .setVmId(vm)
                          .setSeedPath(seedFile.toString())
                          .setSizeBytes(256L << 20)
                          .build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, small.getStatus().getCode());
      assertTrue(small.getStatus().getDescription().contains("smaller than the work-seed"));
      assertFalse(Files.exists(h.layout().vms().resolve(vm).resolve("work.ext4")));

      WorkDisk w =
          disk.createWorkDisk(
                  CreateWorkDiskRequest.newBuilder()
                      .setVmId(vm)
                      .setSeedPath(seedFile.toString())
                      .setSizeBytes(2L << 30)
                      .build())
              .getWorkDisk();
      assertTrue(w.getFromSeed());
      assertEquals(OverlayStrategy.OVERLAY_STRATEGY_SPARSE_COPY, w.getCloneStrategy());
      Path work = Path.of(w.getPath());
      assertEquals(2L << 30, Files.size(work));
      assertFsckClean(work);
      assertEquals("export PS1='# '\n", RealImages.cat(work, "/.bashrc"));
      String df =
          RealImages.check(
                  dev.banger.kit.process.Command.of("dumpe2fs", "-h", work.toString()).build())
              .stdoutText();
      assertTrue(df.contains("Block count:              524288"), "grown to 2 GiB of 4 KiB blocks");

      // vm set --disk-size, then a start: the kept disk asked for larger is grown, files kept.
      RealImages.check(
          dev.banger.kit.process.Command.of(
                  "debugfs", "-w", "-R", "mkdir /made-in-the-vm", work.toString())
              .build());
      WorkDisk bigger =
          disk.createWorkDisk(
                  CreateWorkDiskRequest.newBuilder()
                      .setVmId(vm)
                      .setSeedPath(seedFile.toString())
                      .setSizeBytes(3L << 30)
                      .build())
              .getWorkDisk();
      assertEquals(work.toString(), bigger.getPath(), "the same disk");
      assertEquals(3L << 30, Files.size(work));
      assertFsckClean(work);
      assertEquals("directory", stat(work, "/made-in-the-vm").type(), "its files kept");
      assertTrue(
          RealImages.check(
                  dev.banger.kit.process.Command.of("dumpe2fs", "-h", work.toString()).build())
              .stdoutText()
              .contains("Block count:              786432"),
          "the filesystem grown to 3 GiB");
      StatusRuntimeException shrink =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  disk.createWorkDisk(
                      CreateWorkDiskRequest.newBuilder()
                          .setVmId(vm)
                          .setSeedPath(seedFile.toString())
                          .setSizeBytes(2L << 30)
                          .build()));
      assertEquals(Status.Code.ALREADY_EXISTS, shrink.getStatus().getCode(), "never shrunk");

      String empty = vmId();
      WorkDisk e =
          disk.createWorkDisk(
                  CreateWorkDiskRequest.newBuilder()
                      .setVmId(empty)
                      .setSizeBytes(128L << 20)
                      .build())
              .getWorkDisk();
      assertFalse(e.getFromSeed());
      assertFsckClean(Path.of(e.getPath()));
      assertEquals(
          new RealImages.Stat("directory", 0755, 0, 0, -1),
          stat(Path.of(e.getPath()), "/").ignoringSize());
      disk.removeWorkDisk(RemoveWorkDiskRequest.newBuilder().setVmId(empty).build());
      disk.removeWorkDisk(RemoveWorkDiskRequest.newBuilder().setVmId(empty).build());
      assertFalse(Files.exists(Path.of(e.getPath())));
    }
  }

  @Test
  void guestFilesAndFstabInOneBatchThenProbeReadList() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      Overlay o =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(vmId())
                      .setBasePath(base.toString())
                      .build())
              .getOverlay();
      Path img = Path.of(o.getPath());
      WriteGuestFilesResponse r =
          disk.writeGuestFiles(
              WriteGuestFilesRequest.newBuilder()
                  .setImagePath(o.getPath())
                  .addFiles(file("/etc/hostname", "vm-one\n", 0644))
                  .addFiles(
                      file(
                          "/etc/ssh/sshd_config.d/99-banger.conf",
                          "PermitRootLogin prohibit-password\n",
                          0644))
                  .addFiles(
                      file("/usr/local/sbin/banger-net", "#!/bin/sh\nip link set eth0 up\n", 0755))
                  .addDirectories(
                      Ext4Entry.newBuilder().setPath("/root").setUid(0).setGid(0).setMode(040755))
                  .addFstabDropTargets("/home")
                  .addFstabAdd(
                      FstabEntry.newBuilder()
                          .setSource("tmpfs")
                          .setTarget("/run")
                          .setFsType("tmpfs")
                          .setOptions("defaults,nodev,nosuid,mode=0755"))
                  .addFstabAdd(
                      FstabEntry.newBuilder()
                          .setSource("tmpfs")
                          .setTarget("/tmp")
                          .setFsType("tmpfs")
                          .setOptions("defaults,nodev,nosuid,mode=1777"))
                  .addFstabAdd(
                      FstabEntry.newBuilder()
                          .setSource("/dev/vdb")
                          .setTarget("/root")
                          .setFsType("ext4")
                          .setOptions("defaults")
                          .setPass(2))
                  .build());
      assertEquals(4, r.getFilesWritten(), "three files and the fstab");
      assertFsckClean(img);
      assertEquals("vm-one\n", RealImages.cat(img, "/etc/hostname"));
      assertEquals(
          new RealImages.Stat("regular", 0755, 0, 0, 30), stat(img, "/usr/local/sbin/banger-net"));
      assertEquals(
          new RealImages.Stat("directory", 0755, 0, 0, -1), stat(img, "/root").ignoringSize());
      assertEquals(
          """
          # /etc/fstab: static file system information.
          UUID=1234 / ext4 errors=remount-ro 0 1
          proc /proc proc defaults 0 0
          tmpfs /run tmpfs defaults,nodev,nosuid,mode=0755 0 0
          tmpfs /tmp tmpfs defaults,nodev,nosuid,mode=1777 0 0
          /dev/vdb /root ext4 defaults 0 2
          """,
          RealImages.cat(img, "/etc/fstab"));

      var probe =
          disk.probeExt4Paths(
              ProbeExt4PathsRequest.newBuilder()
                  .setImagePath(o.getPath())
                  .addPaths("/etc/hostname")
                  .addPaths("/nope")
                  .addPaths("/root/.bashrc")
                  .build());
      assertEquals(List.of("/etc/hostname", "/root/.bashrc"), probe.getExistingList());
      var read =
          disk.readExt4File(
              ReadExt4FileRequest.newBuilder()
                  .setImagePath(o.getPath())
                  .setPath("/usr/local/sbin/banger-net")
                  .build());
      assertEquals("#!/bin/sh\nip link set eth0 up\n", read.getContent().toStringUtf8());
      assertEquals(0100755, read.getEntry().getMode());
      var list =
          disk.listExt4Directory(
              ListExt4DirectoryRequest.newBuilder()
                  .setImagePath(o.getPath())
                  .setPath("/etc")
                  .build());
      assertTrue(
          list.getEntriesList().stream()
              .anyMatch(e -> e.getPath().equals("/etc/ssh") && e.getMode() == 040755),
          list.toString());
    }
  }

  static GuestFile.Builder file(String path, String content, int mode) {
    return GuestFile.newBuilder()
        .setPath(path)
        .setContent(ByteString.copyFrom(content, StandardCharsets.UTF_8))
        .setMode(mode);
  }
}
