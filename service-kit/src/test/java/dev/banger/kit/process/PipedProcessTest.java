package dev.banger.kit.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PipedProcessTest {

  final HostCommandRunner runner = new HostCommandRunner();

  @Test
  void bytesFedToStdinComeBackAndTheStatusIsKept() throws Exception {
    byte[] data = new byte[8 << 20];
    new Random(5).nextBytes(data);
    try (PipedProcess p =
        runner.pipe(Command.of("sh", "-c", "cat; echo done >&2; exit 4").build())) {
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.stdout()));
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.stderr()));
      try (OutputStream in = p.stdin()) {
        in.write(data);
      }
      assertTrue(p.waitFor(Duration.ofSeconds(30)));
      assertEquals(4, p.exitValue());
      assertArrayEquals(data, out.get());
      assertEquals("done\n", new String(err.get()));
    }
  }

  @Test
  void stopEndsTheProgramAndItsChildrenAndABlockedWriteFails() throws Exception {
    PipedProcess p = runner.pipe(Command.of("sh", "-c", "sleep 60 & sleep 60; wait").build());
    Thread.sleep(300);
    var children = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
    assertFalse(children.isEmpty(), "sh started its sleeps");
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                p.stdin().write(new byte[16 << 20]); // nobody reads: blocks on the full pipe
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    Thread.sleep(300);
    assertFalse(writer.isDone(), "the write is blocked");
    p.stop(Duration.ofSeconds(2));
    assertTrue(p.waitFor(Duration.ofSeconds(1)));
    assertThrows(
        Exception.class, () -> writer.get(), "a blocked write fails once the program is gone");
    for (ProcessHandle c : children) {
      c.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertFalse(c.isAlive(), "child " + c.pid() + " is gone too");
    }
    p.close(); // idempotent
  }

  @Test
  void aMissingProgramSaysSo() {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () -> runner.pipe(Command.of("/definitely/not/here").build()));
    assertEquals(CommandFailedException.Kind.NOT_FOUND, e.kind());
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
