package dev.banger.disk.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.ext4.RealImages;
import dev.banger.kit.process.Command;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileClonerTest {

  @TempDir Path dir;
  final FileCloner cloner = new FileCloner();

  /** A 64 MiB file with three data extents and holes between and after them. */
  static Path sparseFile(Path p) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(64L << 20);
      byte[] chunk = new byte[1 << 20];
      for (int i = 0; i < chunk.length; i++) {
        chunk[i] = (byte) (i * 7 + 3);
      }
      for (long at : new long[] {0, 10L << 20, 40L << 20}) {
        f.seek(at);
        f.write(chunk);
      }
    }
    return p;
  }

  static long allocatedBlocks(Path p) {
    return Long.parseLong(
        RealImages.check(Command.of("stat", "-c", "%b", p.toString()).build())
            .stdoutText()
            .strip());
  }

  static byte[] sha(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return md.digest();
  }

  @Test
  void sparseCopyMovesOnlyAllocatedExtentsAndKeepsHoles() throws Exception {
    Path src = sparseFile(dir.resolve("src"));
    Path dst = dir.resolve("dst");
    FileCloner.Result r = cloner.copy(src, dst, false);
    assertEquals(FileCloner.Method.SPARSE_COPY, r.method());
    assertEquals(3L << 20, r.bytesCopied());
    assertEquals(Files.size(src), Files.size(dst));
    assertArrayEquals(sha(src), sha(dst));
    assertTrue(
        allocatedBlocks(dst) <= allocatedBlocks(src) + 64,
        "holes stay holes: " + allocatedBlocks(dst));
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dst)));
  }

  @Test
  void emptyAndAllHoleFilesCopy() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty"));
    assertEquals(0, cloner.copy(empty, dir.resolve("e2"), true).bytesCopied());
    assertEquals(0, Files.size(dir.resolve("e2")));
    Path holes = dir.resolve("holes");
    try (RandomAccessFile f = new RandomAccessFile(holes.toFile(), "rw")) {
      f.setLength(8L << 20);
    }
    cloner.copy(holes, dir.resolve("h2"), true);
    assertEquals(8L << 20, Files.size(dir.resolve("h2")));
  }

  @Test
  void refusesAnExistingDestinationAndLeavesItAlone() throws Exception {
    Path src = sparseFile(dir.resolve("src"));
    Path dst = Files.writeString(dir.resolve("dst"), "keep me");
    assertThrows(IOException.class, () -> cloner.copy(src, dst, true));
    assertEquals("keep me", Files.readString(dst));
  }

  @Test
  void missingSourceLeavesNoDestination() {
    Path dst = dir.resolve("dst");
    assertThrows(IOException.class, () -> cloner.copy(dir.resolve("nope"), dst, true));
    assertFalse(Files.exists(dst));
  }

  @Test
  void reflinksOnXfs() throws Exception {
    try (XfsMount xfs = XfsMount.create(dir)) {
      Assumptions.assumeTrue(xfs != null, XfsMount.whyUnavailable());
      Path src = sparseFile(xfs.path().resolve("src"));
      assertTrue(cloner.reflinkSupported(xfs.path()));
      FileCloner.Result r = cloner.copy(src, xfs.path().resolve("dst"), true);
      assertEquals(FileCloner.Method.REFLINK, r.method());
      assertEquals(0, r.bytesCopied());
      assertArrayEquals(sha(src), sha(xfs.path().resolve("dst")));
      assertFalse(cloner.reflinkSupported(dir), "the test's own ext4 temp dir cannot reflink");
    }
  }

  @Test
  void fileExistsExceptionIsAnIoException() {
    assertTrue(IOException.class.isAssignableFrom(FileAlreadyExistsException.class));
  }
}
