package dev.banger.disk;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.cat;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.WorkDiskTreeHeader;
import dev.banger.api.disk.v1.WriteWorkDiskTreeRequest;
import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import dev.banger.ext4.RealImages;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WriteWorkDiskTree over disk-service's real socket onto a real work disk, hostile archives
 * included.
 */
class WorkDiskTreeTest {

  @TempDir Path dir;
  ServiceHarness h;
  DiskServiceGrpc.DiskServiceStub async;
  String vm;
  Path disk;
  long fileBytes; // the header's hint; 0: unknown

  @BeforeEach
  void start() throws Exception {
    startWith(1L << 30);
  }

  void startWith(long size) throws Exception {
    h = ServiceHarness.start(dir, new DiskServiceModule());
    var channel = h.channel(dev.banger.kit.state.ServiceName.DISK);
    async = DiskServiceGrpc.newStub(channel);
    vm = UUID.randomUUID().toString();
    disk =
        Path.of(
            DiskServiceGrpc.newBlockingStub(channel)
                .createWorkDisk(
                    CreateWorkDiskRequest.newBuilder().setVmId(vm).setSizeBytes(size).build())
                .getWorkDisk()
                .getPath());
  }

  @AfterEach
  void stop() throws Exception {
    h.close();
  }

  /** Builds an archive; each entry is (name, type flag, mode, content or link target). */
  static byte[] tar(Object... entries) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (int i = 0; i < entries.length; i += 4) {
        String name = (String) entries[i];
        byte flag = (byte) entries[i + 1];
        TarArchiveEntry e = new TarArchiveEntry(name, flag);
        e.setMode((int) entries[i + 2]);
        e.setModTime(FileTime.from(1_700_000_000L, TimeUnit.SECONDS));
        byte[] content = entries[i + 3] instanceof byte[] b ? b : new byte[0];
        if (flag == TarConstants.LF_SYMLINK || flag == TarConstants.LF_LINK) {
          e.setLinkName((String) entries[i + 3]);
        } else if (flag == TarConstants.LF_NORMAL) {
          e.setSize(content.length);
        }
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Streams {@code archive} (its first {@code upTo} bytes) in chunks; cancels instead of completing
   * when asked.
   */
  WriteWorkDiskTreeResponse send(String path, byte[] archive, int chunk, int upTo, boolean cancel)
      throws Exception {
    CompletableFuture<WriteWorkDiskTreeResponse> done = new CompletableFuture<>();
    StreamObserver<WriteWorkDiskTreeRequest> req =
        async.writeWorkDiskTree(
            new StreamObserver<>() {
              WriteWorkDiskTreeResponse r;

              @Override
              public void onNext(WriteWorkDiskTreeResponse v) {
                r = v;
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(r);
              }
            });
    req.onNext(
        WriteWorkDiskTreeRequest.newBuilder()
            .setHeader(
                WorkDiskTreeHeader.newBuilder().setVmId(vm).setPath(path).setFileBytes(fileBytes))
            .build());
    for (int off = 0; off < upTo; off += chunk) {
      req.onNext(
          WriteWorkDiskTreeRequest.newBuilder()
              .setTar(ByteString.copyFrom(archive, off, Math.min(chunk, upTo - off)))
              .build());
    }
    if (cancel) {
      req.onError(Status.CANCELLED.withDescription("test cancels").asRuntimeException());
      Thread.sleep(500); // the server's abort runs on its own thread
      return null;
    }
    req.onCompleted();
    try {
      return done.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  WriteWorkDiskTreeResponse send(String path, byte[] archive) throws Exception {
    return send(path, archive, 64 * 1024, archive.length, false);
  }

  Path scratch() {
    return h.layout().vms().getParent().resolve("tmp").resolve("disk");
  }

  void assertNothingLeft(String path) throws Exception {
    assertNull(stat(disk, path), path + " must not exist");
    try (var s = Files.list(scratch())) {
      assertEquals(java.util.List.of(), s.toList(), "no staging left in disk-service's scratch");
    }
    assertFsckClean(disk);
  }

  @Test
  void aTreeLandsOnTheWorkDiskWithModesLinksAndTimes() throws Exception {
    byte[] big = new byte[3 << 20];
    new Random(7).nextBytes(big);
    byte[] archive =
        tar(
            ".git/",
            TarConstants.LF_DIR,
            0755,
            null,
            ".git/HEAD",
            TarConstants.LF_NORMAL,
            0644,
            utf8("ref: refs/heads/main\n"),
            "run.sh",
            TarConstants.LF_NORMAL,
            0755,
            utf8("#!/bin/sh\n"),
            "data/big.bin",
            TarConstants.LF_NORMAL,
            0644,
            big,
            "link",
            TarConstants.LF_SYMLINK,
            0777,
            "data/big.bin",
            "a name with spaces and $(x) " + "long".repeat(40),
            TarConstants.LF_NORMAL,
            0600,
            utf8("long\n"));
    WriteWorkDiskTreeResponse r = send("/repo", archive);
    assertEquals(
        WriteWorkDiskTreeResponse.newBuilder()
            .setDirectories(2)
            .setFiles(4)
            .setSymlinks(1)
            .setBytes(21 + 10 + big.length + 5)
            .build(),
        r);
    assertFsckClean(disk);
    assertEquals(new RealImages.Stat("regular", 0755, 0, 0, 10), stat(disk, "/repo/run.sh"));
    assertEquals("ref: refs/heads/main\n", cat(disk, "/repo/.git/HEAD"));
    assertEquals("symlink", stat(disk, "/repo/link").type());
    assertEquals(big.length, stat(disk, "/repo/data/big.bin").size());
    Path back = dir.resolve("back");
    RealImages.check(
        dev.banger.kit.process.Command.of(
                "debugfs", "-R", "dump /repo/data/big.bin " + back, disk.toString())
            .build());
    assertTrue(
        Arrays.equals(big, Files.readAllBytes(back)), "3 MiB across chunks arrive byte for byte");
    assertEquals("long\n", cat(disk, "/repo/a name with spaces and $(x) " + "long".repeat(40)));
    try (var s = Files.list(scratch())) {
      assertEquals(0, s.count(), "staging removed");
    }
  }

  @Test
  void hostileArchivesAreRefusedAndLeaveNothing() throws Exception {
    Object[][] cases = {
      {
        "hard link",
        new Object[] {
          "a", TarConstants.LF_NORMAL, 0644, utf8("x"), "b", TarConstants.LF_LINK, 0644, "a"
        }
      },
      {"device", new Object[] {"tty", TarConstants.LF_CHR, 0666, null}},
      {
        "'..' component", new Object[] {"../../etc/passwd", TarConstants.LF_NORMAL, 0644, utf8("x")}
      },
      {
        "below /t/l, which is a symlink",
        new Object[] {
          "l",
          TarConstants.LF_SYMLINK,
          0777,
          "/etc",
          "l/passwd",
          TarConstants.LF_NORMAL,
          0644,
          utf8("x")
        }
      },
      {"contains \"", new Object[] {"a\"b", TarConstants.LF_NORMAL, 0644, utf8("x")}},
    };
    for (Object[] c : cases) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> send("/t", tar((Object[]) c[1])), (String) c[0]);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
      assertTrue(
          e.getStatus().getDescription().contains((String) c[0]), c[0] + ": " + e.getMessage());
      assertNothingLeft("/t");
    }
  }

  @Test
  void aTruncatedOrCancelledStreamWritesNothing() throws Exception {
    byte[] content = new byte[200_000];
    byte[] archive = tar("f", TarConstants.LF_NORMAL, 0644, content);
    StatusRuntimeException cut =
        assertThrows(StatusRuntimeException.class, () -> send("/t", archive, 8192, 100_000, false));
    assertEquals(Status.Code.INVALID_ARGUMENT, cut.getStatus().getCode());
    assertTrue(
        cut.getStatus().getDescription().matches(".*(ends inside|Truncated TAR archive).*"),
        cut.getMessage());
    assertNothingLeft("/t");

    send("/t", archive, 8192, 100_000, true);
    assertNothingLeft("/t");
  }

  @Test
  void theHeadersFileBytesBoundTheArchiveAndStagingInShmLeavesNothing() throws Exception {
    byte[] archive =
        tar(
            "a",
            TarConstants.LF_NORMAL,
            0644,
            new byte[5000],
            "b",
            TarConstants.LF_NORMAL,
            0644,
            new byte[5000]);
    fileBytes = 10_000;
    assertEquals(10_000, send("/fits", archive).getBytes());
    try (var s = Files.newDirectoryStream(Path.of("/dev/shm"), "banger-disk-tree-*")) {
      assertEquals(false, s.iterator().hasNext(), "the /dev/shm staging is removed");
    }
    fileBytes = 6000;
    StatusRuntimeException more =
        assertThrows(StatusRuntimeException.class, () -> send("/more", archive));
    assertTrue(
        more.getMessage().contains("more than the header's file_bytes (6000 bytes)"),
        more.getMessage());
    assertNothingLeft("/more");
    fileBytes = 1L << 40;
    StatusRuntimeException huge =
        assertThrows(StatusRuntimeException.class, () -> send("/huge", archive));
    assertEquals(Status.Code.INVALID_ARGUMENT, huge.getStatus().getCode());
    assertTrue(
        huge.getMessage().contains("more than the work disk's free space"), huge.getMessage());
  }

  @Test
  void badRequestsAreNamed() throws Exception {
    byte[] archive = tar("f", TarConstants.LF_NORMAL, 0644, utf8("x"));
    send("/repo", archive);
    StatusRuntimeException exists =
        assertThrows(StatusRuntimeException.class, () -> send("/repo", archive));
    assertEquals(Status.Code.FAILED_PRECONDITION, exists.getStatus().getCode());
    assertTrue(exists.getMessage().contains("/repo already exists"), exists.getMessage());

    StatusRuntimeException root =
        assertThrows(StatusRuntimeException.class, () -> send("/", archive));
    assertEquals(Status.Code.INVALID_ARGUMENT, root.getStatus().getCode());

    byte[] huge = new byte[(1 << 20) + 1];
    StatusRuntimeException chunk =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                send(
                    "/big",
                    tar("f", TarConstants.LF_NORMAL, 0644, huge),
                    (1 << 20) + 512,
                    (1 << 20) + 1024,
                    false));
    assertTrue(chunk.getMessage().contains("over the 1048576 byte limit"), chunk.getMessage());
    assertNothingLeft("/big");

    vm = UUID.randomUUID().toString();
    StatusRuntimeException none =
        assertThrows(StatusRuntimeException.class, () -> send("/repo", archive));
    assertEquals(Status.Code.NOT_FOUND, none.getStatus().getCode());
    assertTrue(none.getMessage().contains("has no work disk yet"), none.getMessage());
  }
}
