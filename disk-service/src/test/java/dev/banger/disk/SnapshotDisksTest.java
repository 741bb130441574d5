package dev.banger.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.disk.v1.CopySnapshotDisksRequest;
import dev.banger.api.disk.v1.CopySnapshotDisksResponse;
import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.RemoveSnapshotDisksRequest;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CopySnapshotDisks and RemoveSnapshotDisks over real gRPC on real files: copies equal to the VM's
 * disks at the moment of the copy, later writes to the VM's disks not seen in them, retries
 * harmless, hostile ids refused before any file is touched, removal idempotent and leaving the
 * directory while vm-service's own files are still in it.
 */
class SnapshotDisksTest {

  @TempDir Path dir;

  @Test
  void copiesAreTheDisksAtThatMomentAndGoWithTheirDirectory() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      String vm = UUID.randomUUID().toString();
      Path overlay =
          Path.of(
              disk.createOverlay(
                      CreateOverlayRequest.newBuilder()
                          .setVmId(vm)
                          .setBasePath(base.toString())
                          .build())
                  .getOverlay()
                  .getPath());
      Path work =
          Path.of(
              disk.createWorkDisk(
                      CreateWorkDiskRequest.newBuilder()
                          .setVmId(vm)
                          .setSizeBytes(64L << 20)
                          .build())
                  .getWorkDisk()
                  .getPath());
      byte[] overlayThen = Files.readAllBytes(overlay);
      byte[] workThen = Files.readAllBytes(work);
      String snap = UUID.randomUUID().toString();
      CopySnapshotDisksRequest req =
          CopySnapshotDisksRequest.newBuilder().setVmId(vm).setSnapshotId(snap).build();

      CopySnapshotDisksResponse c = disk.copySnapshotDisks(req);
      Path snapDir = h.layout().snapshots().resolve(snap);
      assertEquals(snapDir.toRealPath().toString(), c.getDirectory());
      assertArrayEquals(overlayThen, Files.readAllBytes(Path.of(c.getOverlayPath())));
      assertArrayEquals(workThen, Files.readAllBytes(Path.of(c.getWorkDiskPath())));
      assertTrue(c.getBytesCopied() > 0);
      assertEquals(snapDir.toRealPath().resolve("state").toString(), c.getStateDirectory());
      assertEquals("rwx--x--x", mode(snapDir), "root's: vm-service only passes through");
      assertEquals("rw-------", mode(Path.of(c.getOverlayPath())), "the guest's disk, root's only");
      assertEquals("rwx------", mode(Path.of(c.getStateDirectory())), "vm-service's, private");
      try (var f =
          java.nio.channels.FileChannel.open(overlay, java.nio.file.StandardOpenOption.WRITE)) {
        f.write(java.nio.ByteBuffer.wrap("later".getBytes()), 4096);
      }
      assertArrayEquals(
          overlayThen,
          Files.readAllBytes(Path.of(c.getOverlayPath())),
          "a write to the VM's disk after the copy is not in it");
      assertEquals(0, disk.copySnapshotDisks(req).getBytesCopied(), "a retry finds the copies");

      Files.writeString(snapDir.resolve("state/qemu-state.bin"), "vm-service's");
      disk.removeSnapshotDisks(RemoveSnapshotDisksRequest.newBuilder().setSnapshotId(snap).build());
      assertFalse(Files.exists(Path.of(c.getOverlayPath())));
      assertFalse(Files.exists(Path.of(c.getWorkDiskPath())));
      assertTrue(
          Files.exists(snapDir.resolve("state/qemu-state.bin")), "not disk-service's to remove");
      Files.delete(snapDir.resolve("state/qemu-state.bin"));
      disk.removeSnapshotDisks(RemoveSnapshotDisksRequest.newBuilder().setSnapshotId(snap).build());
      assertFalse(Files.exists(snapDir), "empty, the directory goes too; a repeat is harmless");
      assertTrue(Files.exists(overlay), "the VM's own disks stay");
    }
  }

  @Test
  void aVmMadeFromASnapshotGetsCopiesThatLaterStartsReuse() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      String source = UUID.randomUUID().toString();
      disk.createOverlay(
          CreateOverlayRequest.newBuilder().setVmId(source).setBasePath(base.toString()).build());
      disk.createWorkDisk(
          CreateWorkDiskRequest.newBuilder().setVmId(source).setSizeBytes(64L << 20).build());
      String snap = UUID.randomUUID().toString();
      CopySnapshotDisksResponse c =
          disk.copySnapshotDisks(
              CopySnapshotDisksRequest.newBuilder().setVmId(source).setSnapshotId(snap).build());

      String clone = UUID.randomUUID().toString();
      var overlay =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(clone)
                      .setBasePath(c.getOverlayPath())
                      .build())
              .getOverlay();
      var work =
          disk.createWorkDisk(
                  CreateWorkDiskRequest.newBuilder()
                      .setVmId(clone)
                      .setSeedPath(c.getWorkDiskPath())
                      .setSizeBytes(64L << 20)
                      .build())
              .getWorkDisk();
      assertArrayEquals(
          Files.readAllBytes(Path.of(c.getOverlayPath())),
          Files.readAllBytes(Path.of(overlay.getPath())),
          "the clone's rootfs is the snapshot's, byte for byte (no config written on it)");
      assertArrayEquals(
          Files.readAllBytes(Path.of(c.getWorkDiskPath())),
          Files.readAllBytes(Path.of(work.getPath())));

      // The clone's later cold start names the image's files: it gets the disks it has.
      var again =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(clone)
                      .setBasePath(base.toString())
                      .setSizeBytes(Files.size(base))
                      .build())
              .getOverlay();
      assertEquals(overlay.getPath(), again.getPath());
      var grown =
          disk.createWorkDisk(
                  CreateWorkDiskRequest.newBuilder()
                      .setVmId(clone)
                      .setSizeBytes(128L << 20)
                      .build())
              .getWorkDisk();
      assertEquals(128L << 20, Files.size(Path.of(grown.getPath())), "grown, as any work disk");

      Path snapDir = h.layout().snapshots().resolve(snap);
      for (String bad :
          new String[] {
            snapDir.resolve("state").toString(),
            snapDir.toString(),
            h.layout().snapshots().toString()
          }) {
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    disk.createOverlay(
                        CreateOverlayRequest.newBuilder()
                            .setVmId(UUID.randomUUID().toString())
                            .setBasePath(bad)
                            .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
        assertTrue(e.getStatus().getDescription().startsWith("base_path"), bad);
      }
    }
  }

  @Test
  void hostileOrUnknownIdsAreRefusedAndTouchNothing() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      String vm = UUID.randomUUID().toString();
      for (String bad : new String[] {"../../etc", "", "A1B2C3D4-0000-4000-8000-000000000000"}) {
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    disk.copySnapshotDisks(
                        CopySnapshotDisksRequest.newBuilder()
                            .setVmId(vm)
                            .setSnapshotId(bad)
                            .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
        assertTrue(e.getStatus().getDescription().startsWith("snapshot_id"), bad);
        StatusRuntimeException r =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    disk.removeSnapshotDisks(
                        RemoveSnapshotDisksRequest.newBuilder().setSnapshotId(bad).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, r.getStatus().getCode(), bad);
      }
      StatusRuntimeException none =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  disk.copySnapshotDisks(
                      CopySnapshotDisksRequest.newBuilder()
                          .setVmId(vm)
                          .setSnapshotId(UUID.randomUUID().toString())
                          .build()));
      assertEquals(Status.Code.NOT_FOUND, none.getStatus().getCode());
      assertTrue(none.getStatus().getDescription().contains("has no rootfs overlay"));
      try (var left = Files.list(h.layout().snapshots())) {
        assertEquals(0, left.count(), "no directory made for a refused copy");
      }
      // A symlink planted as a snapshot's directory is not followed.
      String planted = UUID.randomUUID().toString();
      Path victim = Files.createDirectories(dir.resolve("victim"));
      Files.writeString(victim.resolve("rootfs.ext4"), "keep");
      Files.createSymbolicLink(h.layout().snapshots().resolve(planted), victim);
      disk.removeSnapshotDisks(
          RemoveSnapshotDisksRequest.newBuilder().setSnapshotId(planted).build());
      assertTrue(Files.exists(victim.resolve("rootfs.ext4")), "nothing removed through the link");
    }
  }

  static String mode(Path p) throws Exception {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }
}
