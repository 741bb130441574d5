package dev.banger.vm.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.kit.config.FileSyncEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What [[file_sync]] writes onto a work disk, from real host files. */
class FileSyncTest {

  @TempDir Path home;

  @Test
  void filesAndTreesBecomeWritesWithParentsModesAndWarnings() throws Exception {
    Files.writeString(home.resolve(".gitconfig"), "[user]\n\tname = u\n");
    Path tools = Files.createDirectories(home.resolve("tools/bin"));
    Files.writeString(tools.resolve("run"), "#!/bin/sh\n");
    Files.createSymbolicLink(home.resolve("tools/link"), Path.of("/etc/shadow"));
    Files.write(home.resolve("big.bin"), new byte[(int) FileSync.CALL_BYTES + 1]);
    AtomicInteger ids = new AtomicInteger();
    FileSync.Plan plan =
        FileSync.plan(
            List.of(
                new FileSyncEntry("~/.gitconfig", "/root/.config/git/config", null),
                new FileSyncEntry(home.resolve("tools").toString(), "/root/tools", "0755"),
                new FileSyncEntry("~/missing", "/root/missing", null),
                new FileSyncEntry("~/big.bin", "/root/big.bin", null)),
            "/var/lib/banger/vms/x/work.ext4",
            home,
            () -> "rid-" + ids.incrementAndGet());
    assertEquals(1, plan.requests().size());
    WriteGuestFilesRequest r = plan.requests().get(0);
    assertEquals("/var/lib/banger/vms/x/work.ext4", r.getImagePath());
    assertEquals(
        List.of("/.config", "/.config/git", "/tools", "/tools/bin"),
        r.getDirectoriesList().stream().map(Ext4Entry::getPath).toList(),
        "parents first, then the tree");
    assertTrue(r.getDirectoriesList().stream().allMatch(d -> d.getMode() == 0700));
    assertEquals(
        List.of("/.config/git/config", "/tools/bin/run"),
        r.getFilesList().stream().map(GuestFile::getPath).toList());
    assertEquals(0600, r.getFiles(0).getMode(), "the default mode");
    assertEquals(0755, r.getFiles(1).getMode());
    assertEquals("[user]\n\tname = u\n", r.getFiles(0).getContent().toStringUtf8());
    assertEquals(3, plan.warnings().size(), plan.warnings().toString());
    assertTrue(
        plan.warnings().get(0).contains("tools/link is not a regular file"),
        plan.warnings().toString());
    assertTrue(
        plan.warnings().get(1).contains("missing does not exist; /root/missing not written"));
    assertTrue(
        plan.warnings().get(2).contains("big.bin is " + (FileSync.CALL_BYTES + 1) + " bytes"));
  }

  @Test
  void manyFilesAreSplitIntoCallsUnderTheMessageLimit() throws Exception {
    Path dir = Files.createDirectories(home.resolve("blobs"));
    for (int i = 0; i < 5; i++) {
      Files.write(dir.resolve("b" + i), new byte[(int) (FileSync.CALL_BYTES * 6 / 10)]);
    }
    FileSync.Plan plan =
        FileSync.plan(
            List.of(new FileSyncEntry(dir.toString(), "/root/blobs", null)), "/w", home, () -> "r");
    assertEquals(5, plan.requests().size(), "one 60% file per call");
    assertTrue(
        plan.requests().stream()
            .allMatch(
                q ->
                    q.getFilesList().stream().mapToLong(f -> f.getContent().size()).sum()
                        <= FileSync.CALL_BYTES));
    assertEquals(5, plan.requests().stream().mapToInt(WriteGuestFilesRequest::getFilesCount).sum());
  }
}
