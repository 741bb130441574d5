package dev.banger.image.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-place PT_INTERP rewrite, on a real dynamic binary of the host. */
class ElfInterpreterTest {

  @TempDir Path dir;

  /** A dynamically linked host binary with Debian's 27-character interpreter. */
  private Path dynamicBinary() throws IOException {
    Path t = Path.of("/bin/true").toRealPath();
    assumeTrue(
        ElfInterpreter.of(t).equals("/lib64/ld-linux-x86-64.so.2"),
        "SKIPPED LOUDLY: /bin/true is not linked against /lib64/ld-linux-x86-64.so.2");
    return Files.copy(t, dir.resolve("true"));
  }

  @Test
  void rewritesTheInterpreterAndNothingElse() throws Exception {
    Path f = dynamicBinary();
    byte[] before = Files.readAllBytes(f);
    assertEquals("/lib64/ld-linux-x86-64.so.2", ElfInterpreter.replace(f, KitTree.INTERPRETER));
    assertEquals(KitTree.INTERPRETER, ElfInterpreter.of(f));
    byte[] after = Files.readAllBytes(f);
    assertEquals(before.length, after.length);
    int differing = 0;
    for (int i = 0; i < before.length; i++) {
      if (before[i] != after[i]) {
        differing++;
      }
    }
    assertTrue(differing > 0 && differing <= 28, differing + " bytes changed");
  }

  @Test
  void aPathThatDoesNotFitIsRefusedAndTheFileKept() throws Exception {
    Path f = dynamicBinary();
    byte[] before = Files.readAllBytes(f);
    IOException e =
        assertThrows(
            IOException.class,
            () -> ElfInterpreter.replace(f, "/a/path/much/longer/than/twenty/eight/bytes/ld.so"));
    assertTrue(e.getMessage().contains("does not fit the 28 bytes"), e.getMessage());
    assertTrue(Arrays.equals(before, Files.readAllBytes(f)));
  }

  @Test
  void notAnElfOrTruncatedOrStaticIsRefused() throws Exception {
    Path text = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho hi\n".repeat(10));
    IOException e = assertThrows(IOException.class, () -> ElfInterpreter.replace(text, "/x"));
    assertTrue(e.getMessage().contains("not a 64-bit little-endian ELF"), e.getMessage());

    byte[] head = Arrays.copyOf(Files.readAllBytes(dynamicBinary()), 70);
    Path cut = Files.write(dir.resolve("cut"), head);
    e = assertThrows(IOException.class, () -> ElfInterpreter.replace(cut, "/x"));
    assertTrue(e.getMessage().contains("ends before its ELF headers do"), e.getMessage());

    Path busybox = Path.of("/bin/busybox");
    if (Files.isRegularFile(busybox) && ElfInterpreter.of(busybox).isEmpty()) {
      Path copy = Files.copy(busybox, dir.resolve("busybox"));
      e = assertThrows(IOException.class, () -> ElfInterpreter.replace(copy, "/x"));
      assertTrue(e.getMessage().contains("names no program interpreter"), e.getMessage());
    }
  }
}
