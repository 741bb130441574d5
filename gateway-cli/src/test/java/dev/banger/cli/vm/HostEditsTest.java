package dev.banger.cli.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host edits after a copy, HEAD unchanged: found by git's list and the files' times. */
class HostEditsTest {

  @TempDir Path repo;

  void git(String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of("git", "-C", repo.toString(), "-c", "user.name=t", "-c", "user.email=t@e.org"));
    argv.addAll(List.of(args));
    assertTrue(new HostCommandRunner().run(Command.of(argv).build()).succeeded());
  }

  @Test
  void editsAfterTheCopyAreFoundAndEditsBeforeItAreNot() throws Exception {
    Files.writeString(repo.resolve("a.txt"), "a\n");
    Files.writeString(repo.resolve("b.txt"), "b\n");
    git("init", "-q");
    git("add", "-A");
    git("commit", "-q", "-m", "one");
    Instant copied = Instant.now();
    Files.writeString(repo.resolve("a.txt"), "edited before the copy\n");
    Files.setLastModifiedTime(repo.resolve("a.txt"), FileTime.from(copied.minusSeconds(60)));
    assertNull(HostEdits.since(repo, false, copied), "copied with the edit");

    Files.writeString(repo.resolve("b.txt"), "edited after\n");
    Files.setLastModifiedTime(repo.resolve("b.txt"), FileTime.from(copied.plusSeconds(5)));
    assertEquals(
        "has a file edited since it was copied (b.txt), but ",
        HostEdits.since(repo, false, copied));

    Files.writeString(repo.resolve("new.txt"), "untracked\n");
    Files.setLastModifiedTime(repo.resolve("new.txt"), FileTime.from(copied.plusSeconds(5)));
    assertTrue(HostEdits.since(repo, true, copied).startsWith("has 2 files edited"));
    assertTrue(
        HostEdits.since(repo, false, copied).startsWith("has a file"), "untracked not taken");
    assertNull(HostEdits.since(repo.resolve("missing"), false, copied), "git cannot say");
    assertEquals(40, HostEdits.head(repo).length(), "HEAD's full id, no newline");
    assertNull(HostEdits.head(repo.resolve("missing")), "no HEAD to read");
  }
}
