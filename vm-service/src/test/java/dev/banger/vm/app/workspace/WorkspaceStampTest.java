package dev.banger.vm.app.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.workspace.WorkspaceLister;
import dev.banger.vm.workspace.WorkspaceSource;
import dev.banger.vm.workspace.WorkspaceTar;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest's side of "a copy again", run by this host's real sh, find and tar: the receive command
 * stamps the copy; the changes command names what was edited, made, deleted or committed after it,
 * and nothing for an untouched copy or one with no stamp.
 */
class WorkspaceStampTest {

  static final HostCommandRunner RUN = new HostCommandRunner();

  @TempDir Path dir;
  Path repo;
  Path copy;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo/src"));
    repo = repo.getParent();
    Files.writeString(repo.resolve("src/a.c"), "int a;\n");
    Files.writeString(repo.resolve("README"), "hi\n");
    git(repo, "init", "-q");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "one");
    copy = dir.resolve("guest/repo");
  }

  static void git(Path at, String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of("git", "-C", at.toString(), "-c", "user.name=t", "-c", "user.email=t@e.org"));
    argv.addAll(List.of(args));
    CommandResult r = RUN.run(Command.of(argv).build());
    assertTrue(r.succeeded(), String.join(" ", args) + ": " + r.stderrText());
  }

  byte[] tar(boolean stamp) throws Exception {
    WorkspaceSource src = new WorkspaceLister(RUN).list(repo, false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WorkspaceTar.write(src, out, b -> {}, stamp);
    return out.toByteArray();
  }

  String changes() throws Exception {
    CommandResult r =
        RUN.run(
            Command.of("sh", "-c", WorkspaceRules.guestChangesCommand(copy.toString())).build());
    assertEquals(0, r.exitCode(), r.stderrText());
    return r.stdoutText().strip();
  }

  @Test
  void aCopyOverSshIsStampedAndItsChangesAreNamed() throws Exception {
    assertEquals("", changes(), "no copy yet");
    CommandResult received =
        RUN.run(
            Command.of("sh", "-c", WorkspaceRules.receiveCommand(copy.toString(), "", ""))
                .stdin(tar(false))
                .build());
    assertEquals(0, received.exitCode(), received.stderrText());
    assertTrue(Files.exists(copy.resolve(WorkspaceTar.STAMP)));
    assertEquals("", changes(), "an untouched copy");

    Files.writeString(copy.resolve("src/a.c"), "int b;\n");
    assertEquals("./src/a.c", changes());
    Files.delete(copy.resolve("README"));
    assertTrue(changes().lines().toList().contains("."), "a deletion touches its directory");
    git(copy, "commit", "-q", "-a", "-m", "made in the VM");
    assertTrue(changes().contains(".git/refs/heads/"), changes());
  }

  @Test
  void anOfflineCopyCarriesItsStampInTheTar() throws Exception {
    Files.createDirectories(copy);
    CommandResult r =
        RUN.run(Command.of("tar", "-x", "-f", "-", "-C", copy.toString()).stdin(tar(true)).build());
    assertEquals(0, r.exitCode(), r.stderrText());
    assertTrue(Files.exists(copy.resolve(WorkspaceTar.STAMP)));
    assertEquals("", changes(), "what the copy made is not newer than its stamp");
    Thread.sleep(3100); // the stamp is whole seconds, 2 s ahead
    Files.writeString(copy.resolve("new.txt"), "x\n");
    assertTrue(changes().contains("./new.txt"), changes());
  }
}
