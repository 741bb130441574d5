package dev.banger.vm.app.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.VmRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetVmLogs: the console read whole, by its tail, and followed across a new boot. */
class ConsoleLogTest {

  @TempDir Path dir;

  /** A sink that collects the text and can be cancelled. */
  static final class Collect implements ConsoleLog.Sink {
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    final AtomicBoolean gone = new AtomicBoolean();

    @Override
    public boolean cancelled() {
      return gone.get();
    }

    @Override
    public synchronized void chunk(byte[] data, int length) {
      got.write(data, 0, length);
    }

    synchronized String text() {
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  private VmRecord vmWithConsole(AppHarness h, String text) throws Exception {
    VmRecord v =
        h.lifecycle.create(
            new CreateRequest("", "logs", "", "", 0, 0, 0, 0, false, "", true, false, null),
            (s, m, d, t) -> {},
            () -> false);
    Path log = h.paths.runDir(v.id()).resolve("console.log");
    Files.createDirectories(log.getParent());
    Files.writeString(log, text);
    return v;
  }

  @Test
  void theWholeConsoleOrItsLastLines() throws Exception {
    AppHarness h = new AppHarness(dir);
    vmWithConsole(h, "one\ntwo\nthree\n");
    ConsoleLog logs = new ConsoleLog(new VmLookup(h.store), h.paths);
    Collect all = new Collect();
    logs.read("logs", 0, false, all);
    assertEquals("one\ntwo\nthree\n", all.text());
    Collect tail = new Collect();
    logs.read("logs", 2, false, tail);
    assertEquals("two\nthree\n", tail.text());
  }

  @Test
  void aVmThatNeverBootedHasAnEmptyConsoleAndAMissingVmIsNamed() throws Exception {
    AppHarness h = new AppHarness(dir);
    h.lifecycle.create(
        new CreateRequest("", "quiet", "", "", 0, 0, 0, 0, false, "", true, false, null),
        (s, m, d, t) -> {},
        () -> false);
    ConsoleLog logs = new ConsoleLog(new VmLookup(h.store), h.paths);
    Collect none = new Collect();
    logs.read("quiet", 5, false, none);
    assertEquals("", none.text());
    VmProblem missing =
        assertThrows(VmProblem.class, () -> logs.read("nope", 0, false, new Collect()));
    assertEquals(VmProblem.Kind.NOT_FOUND, missing.kind());
    VmProblem negative =
        assertThrows(VmProblem.class, () -> logs.read("quiet", -1, false, new Collect()));
    assertEquals("tail_lines", negative.metadata().get("field"));
  }

  @Test
  void aFollowSeesNewLinesStartsOverAfterANewBootAndStopsWhenCancelled() throws Exception {
    AppHarness h = new AppHarness(dir);
    VmRecord v = vmWithConsole(h, "boot 1\n");
    Path log = h.paths.runDir(v.id()).resolve("console.log");
    ConsoleLog logs = new ConsoleLog(new VmLookup(h.store), h.paths);
    Collect follow = new Collect();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    logs.read("logs", 0, true, follow);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    awaitText(follow, "boot 1\n");
    Files.writeString(log, "more\n", StandardOpenOption.APPEND);
    awaitText(follow, "boot 1\nmore\n");
    Files.writeString(log, "b2\n"); // a new boot truncates: shorter than what was read
    awaitText(follow, "boot 1\nmore\nb2\n");
    follow.gone.set(true);
    reader.join(2_000);
    assertTrue(!reader.isAlive(), "a cancelled follow stops within a poll");
  }

  @Test
  void tailOffsetsCountLinesNotATrailingNewline() throws Exception {
    Path log = dir.resolve("console.log");
    Files.writeString(log, "one\ntwo\nthree\n");
    assertEquals("three\n", Files.readString(log).substring((int) ConsoleLog.tailOffset(log, 1)));
    assertEquals(
        "two\nthree\n", Files.readString(log).substring((int) ConsoleLog.tailOffset(log, 2)));
    assertEquals(0, ConsoleLog.tailOffset(log, 10));
    Files.writeString(log, "x\nno newline at end");
    assertEquals(
        "no newline at end", Files.readString(log).substring((int) ConsoleLog.tailOffset(log, 1)));
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      big.append("line ").append(i).append('\n');
    }
    Files.writeString(log, big);
    assertEquals(
        "line 4998\nline 4999\n",
        Files.readString(log).substring((int) ConsoleLog.tailOffset(log, 2)));
  }

  private static void awaitText(Collect c, String want) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!c.text().equals(want) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(want, c.text());
  }
}
