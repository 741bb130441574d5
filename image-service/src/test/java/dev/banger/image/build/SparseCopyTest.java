package dev.banger.image.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCopyTest {

  @TempDir Path dir;

  /** Data at the given offsets (4 KiB of 0x5a each), holes elsewhere, {@code size} long. */
  private Path sparse(String name, long size, long... dataAt) throws Exception {
    Path p = dir.resolve(name);
    try (FileChannel c =
        FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      byte[] data = new byte[4096];
      java.util.Arrays.fill(data, (byte) 0x5a);
      for (long at : dataAt) {
        c.write(ByteBuffer.wrap(data), at);
      }
      c.truncate(size);
      if (c.size() < size) {
        c.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
    }
    return p;
  }

  @Test
  void copiesBytesExactlyWritingOnlyTheData() throws Exception {
    long size = 40L << 20;
    Path from = sparse("a", size, 0, 5L << 20, (5L << 20) + 8192, size - 4096);
    Path to = dir.resolve("b");
    List<long[]> reports = new ArrayList<>();
    long data = SparseCopy.copy(from, to, (d, t) -> reports.add(new long[] {d, t}), () -> false);
    assertEquals(4 * 4096, data, "only the four data blocks are written");
    assertEquals(size, Files.size(to));
    assertArrayEquals(Files.readAllBytes(from), Files.readAllBytes(to));
    assertEquals(size, reports.getLast()[0], "the last report says done");
  }

  @Test
  void aFileEndingInAHoleKeepsItsLength() throws Exception {
    Path from = sparse("a", 3L << 20, 4096);
    Path to = dir.resolve("b");
    SparseCopy.copy(from, to, (d, t) -> {}, () -> false);
    assertEquals(3L << 20, Files.size(to));
    assertArrayEquals(Files.readAllBytes(from), Files.readAllBytes(to));
  }

  @Test
  void anEmptyFileCopiesToAnEmptyFile() throws Exception {
    Path from = Files.createFile(dir.resolve("a"));
    assertEquals(0, SparseCopy.copy(from, dir.resolve("b"), (d, t) -> {}, () -> false));
    assertEquals(0, Files.size(dir.resolve("b")));
  }

  @Test
  void cancellationStopsTheCopyAndAnExistingTargetIsRefused() throws Exception {
    Path from = sparse("a", 200L << 20, 0);
    assertThrows(
        CancellationException.class,
        () -> SparseCopy.copy(from, dir.resolve("b"), (d, t) -> {}, () -> true));
    assertTrue(Files.size(dir.resolve("b")) < 200L << 20, "stopped early");
    assertThrows(
        java.nio.file.FileAlreadyExistsException.class,
        () -> SparseCopy.copy(from, dir.resolve("b"), (d, t) -> {}, () -> false));
    assertFalse(Files.exists(dir.resolve("c")));
  }
}
