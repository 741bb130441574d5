package dev.banger.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.Overlay;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk a real QEMU has open is neither edited nor removed (its guest may have it mounted); once
 * QEMU is gone, both work. And a killed disk-service's {@code .partial} disks go at its next start.
 */
class DiskInUseTest {

  @TempDir Path dir;

  /** A paused QEMU (no guest code runs) with {@code image} attached as a virtio disk. */
  Process qemuHolding(Path image) throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")),
        "SKIPPED LOUDLY: qemu-system-x86_64 is missing (.ci/run installs qemu-system-x86)");
    Process p =
        new ProcessBuilder(
                "qemu-system-x86_64",
                "-M",
                "microvm",
                "-nodefaults",
                "-display",
                "none",
                "-S",
                "-drive",
                "file=" + image + ",format=raw,if=none,id=d",
                "-device",
                "virtio-blk-device,drive=d")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!DiskInUse.held(image)) {
      assertTrue(p.isAlive(), "QEMU exited: " + Files.readString(dir.resolve("qemu.log")));
      assertTrue(System.nanoTime() < deadline, "QEMU never locked " + image);
      Thread.sleep(50);
    }
    return p;
  }

  @Test
  void aDiskHeldByQemuIsNotEditedOrRemovedUntilQemuIsGone() throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir.resolve("state"), new DiskServiceModule())) {
      var disk = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      Path base = TestRootfs.build(h.layout().images(), "debian.ext4");
      String vm = UUID.randomUUID().toString();
      Overlay o =
          disk.createOverlay(
                  CreateOverlayRequest.newBuilder()
                      .setVmId(vm)
                      .setBasePath(base.toString())
                      .build())
              .getOverlay();
      Path overlay = Path.of(o.getPath());
      assertFalse(DiskInUse.held(overlay), "nobody holds a fresh overlay");
      WriteGuestFilesRequest edit =
          WriteGuestFilesRequest.newBuilder()
              .setImagePath(o.getPath())
              .addFiles(
                  GuestFile.newBuilder()
                      .setPath("/etc/hostname")
                      .setContent(ByteString.copyFromUtf8("x\n"))
                      .setMode(0644))
              .build();
      byte[] before = Files.readAllBytes(overlay);
      Process qemu = qemuHolding(overlay);
      try {
        for (Runnable call :
            List.<Runnable>of(
                () -> disk.writeGuestFiles(edit),
                () -> disk.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId(vm).build()))) {
          StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
          assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.toString());
          assertTrue(
              e.getStatus().getDescription().contains("is open by a running VMM"), e.toString());
          assertEquals("DISK_IN_USE", Errors.errorInfo(e).orElseThrow().getReason());
        }
        assertTrue(Files.exists(overlay), "not removed");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(overlay)), "not written");
      } finally {
        qemu.destroyForcibly().waitFor();
      }
      assertFalse(DiskInUse.held(overlay), "QEMU's locks go with it");
      disk.writeGuestFiles(edit);
      // A VMM on its way out: killed just before the remove, it still holds its locks for a
      // moment; the remove waits for them rather than failing the undo that killed it.
      Process exiting = qemuHolding(overlay);
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
                exiting.destroyForcibly();
              });
      disk.removeOverlay(RemoveOverlayRequest.newBuilder().setVmId(vm).build());
      assertFalse(Files.exists(overlay));
    }
  }

  @Test
  void aMissingDiskIsNotHeld() throws Exception {
    assertFalse(DiskInUse.held(dir.resolve("nope.ext4")));
  }

  /**
   * A link planted where a disk belongs is not followed: the file it names, held by a QEMU, is not
   * opened (so is not seen held), nor is a FIFO.
   */
  @Test
  void aPlantedLinkOrFifoIsNotOpened() throws Exception {
    Path victim = Files.write(dir.resolve("victim.img"), new byte[1 << 20]);
    Process qemu = qemuHolding(victim);
    try {
      Path link = Files.createSymbolicLink(dir.resolve("rootfs.ext4"), victim);
      assertTrue(DiskInUse.held(victim), "the real file is held");
      assertFalse(DiskInUse.held(link), "the link is not followed");
      Path fifo = dir.resolve("work.ext4");
      new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
      assertFalse(DiskInUse.held(fifo));
    } finally {
      qemu.destroyForcibly().waitFor();
    }
  }

  @Test
  void halfMadeDisksOfAKilledDiskServiceGoAtItsNextStart() throws Exception {
    Path state = dir.resolve("state");
    String vm = UUID.randomUUID().toString();
    try (ServiceHarness h = ServiceHarness.start(state, new DiskServiceModule())) {
      Path vmDir = Files.createDirectories(h.layout().vms().resolve(vm));
      Files.writeString(vmDir.resolve(".rootfs.ext4.partial"), "half a copy");
      Files.writeString(vmDir.resolve(".work.ext4.partial"), "half a copy");
      Files.writeString(vmDir.resolve("keep.txt"), "not disk-service's");
    }
    try (ServiceHarness h = ServiceHarness.start(state, new DiskServiceModule())) {
      Path vmDir = h.layout().vms().resolve(vm);
      assertFalse(Files.exists(vmDir.resolve(".rootfs.ext4.partial")));
      assertFalse(Files.exists(vmDir.resolve(".work.ext4.partial")));
      assertTrue(Files.exists(vmDir.resolve("keep.txt")), "only disk-service's half-made disks go");
    }
  }
}
