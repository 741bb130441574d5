package dev.banger.vm.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a workspace holds, listed by real git from a real checkout, and the tar it becomes. */
class WorkspaceSourceTest {

  static final HostCommandRunner RUN = new HostCommandRunner();
  @TempDir Path dir;
  Path repo;
  final WorkspaceLister lister = new WorkspaceLister(RUN);

  static CommandResult git(Path repo, String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "git",
                "-C",
                repo.toString(),
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.org",
                "-c",
                "init.defaultBranch=main"));
    argv.addAll(List.of(args));
    CommandResult r = RUN.run(Command.of(argv).build());
    assertTrue(r.succeeded(), String.join(" ", args) + ": " + r.stderrText());
    return r;
  }

  /** tracked, executable, symlinked, ignored, untracked, edited and deleted files. */
  @BeforeEach
  void checkout() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    git(repo, "init", "-q");
    Files.writeString(repo.resolve("README"), "committed\n");
    Files.writeString(repo.resolve(".gitignore"), "*.log\nbuild/\n");
    Path run = Files.writeString(repo.resolve("run.sh"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(repo.resolve("src/deep"));
    Files.writeString(repo.resolve("src/deep/a.txt"), "a\n");
    Files.writeString(repo.resolve("gone.txt"), "deleted later\n");
    Files.createSymbolicLink(repo.resolve("link"), Path.of("src/deep/a.txt"));
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "one");
    Files.writeString(repo.resolve("README"), "committed\nedited, not committed\n");
    Files.delete(repo.resolve("gone.txt"));
    Files.writeString(repo.resolve("notes.txt"), "untracked\n");
    Files.writeString(repo.resolve("debug.log"), "ignored\n");
    Files.createDirectories(repo.resolve("build"));
    Files.writeString(repo.resolve("build/out.bin"), "ignored too\n");
  }

  private static List<String> workTree(WorkspaceSource s) {
    return s.paths().stream()
        .filter(p -> !p.equals(".git") && !p.startsWith(".git/"))
        .sorted()
        .toList();
  }

  @Test
  void tracksOnlyTrackedFilesAsTheWorkTreeHasThemWithTheRepositoryAndHead() throws Exception {
    WorkspaceSource s =
        lister.list(repo.resolve("src"), false); // any directory inside the work tree
    assertEquals(repo.toRealPath(), s.root().toRealPath());
    assertEquals(git(repo, "rev-parse", "HEAD").stdoutText().strip(), s.head());
    assertEquals(List.of(".gitignore", "README", "link", "run.sh", "src/deep/a.txt"), workTree(s));
    assertTrue(
        s.paths().contains(".git/HEAD") && s.paths().contains(".git/index"), s.paths().toString());
    assertEquals(".git", s.paths().get(0), "the repository goes first");
  }

  @Test
  void untrackedFilesOnlyWhenAskedAndIgnoredOnesNever() throws Exception {
    WorkspaceSource s = lister.list(repo, true);
    assertEquals(
        List.of(".gitignore", "README", "link", "notes.txt", "run.sh", "src/deep/a.txt"),
        workTree(s));
    assertFalse(
        s.paths().stream().anyMatch(p -> p.endsWith(".log") || p.startsWith("build")),
        s.paths().toString());
  }

  @Test
  void theTarKeepsModesLinksAndTheWorkTreesContent() throws Exception {
    WorkspaceSource s = lister.list(repo, false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Long> progress = new ArrayList<>();
    WorkspaceTar.Written w = WorkspaceTar.write(s, out, progress::add);
    Map<String, TarArchiveEntry> entries = new HashMap<>();
    Map<String, String> content = new HashMap<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), e);
        if (e.isFile()) {
          content.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    assertEquals(s.paths().size(), w.files());
    assertEquals(0100755, entries.get("run.sh").getMode());
    assertEquals(0100644, entries.get("README").getMode() & 0170777);
    assertEquals(
        "committed\nedited, not committed\n",
        content.get("README"),
        "the work tree's bytes, not HEAD's");
    assertTrue(entries.get("link").isSymbolicLink());
    assertEquals("src/deep/a.txt", entries.get("link").getLinkName());
    assertTrue(entries.get(".git/refs/").isDirectory(), "directories of .git travel too");
    assertEquals(0, entries.get("README").getLongUserId());
    assertFalse(entries.containsKey("gone.txt") || entries.containsKey("notes.txt"));
    assertEquals(w.bytes(), (long) progress.get(progress.size() - 1));
    assertEquals(
        Files.getLastModifiedTime(repo.resolve("README")).to(TimeUnit.SECONDS),
        entries.get("README").getLastModifiedTime().to(TimeUnit.SECONDS));
  }

  @Test
  void plainEntriesCarryNoPaxHeaders() throws Exception {
    // Whole-second times: commons-compress would otherwise put a PAX header (a second 512-byte
    // record and a parse in the guest) before every entry, for its sub-second mtime.
    WorkspaceSource s = lister.list(repo, false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WorkspaceTar.write(s, out, b -> {});
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        assertEquals(Map.of(), e.getExtraPaxHeaders(), e.getName());
        assertEquals(0, e.getLastModifiedTime().toInstant().getNano(), e.getName());
      }
    }
    String raw = out.toString(StandardCharsets.ISO_8859_1);
    assertFalse(raw.contains("PaxHeaders"), "no PAX header records in the stream");
  }

  @Test
  void refusalsNameThePath() throws Exception {
    assertTrue(
        assertThrows(WorkspaceException.class, () -> lister.list(dir.resolve("nope"), false))
            .getMessage()
            .contains("does not exist"));
    Path plain = Files.createDirectories(dir.resolve("plain"));
    assertTrue(
        assertThrows(WorkspaceException.class, () -> lister.list(plain, false))
            .getMessage()
            .contains("is not inside a git work tree"));
    Path bare = dir.resolve("bare.git");
    RUN.run(Command.of("git", "init", "-q", "--bare", bare.toString()).build());
    assertTrue(
        assertThrows(WorkspaceException.class, () -> lister.list(bare, false))
            .getMessage()
            .contains("is a bare git repository"));
    Files.writeString(repo.resolve(".gitmodules"), "[submodule \"x\"]\n\tpath = x\n\turl = ../x\n");
    assertTrue(
        assertThrows(WorkspaceException.class, () -> lister.list(repo, false))
            .getMessage()
            .contains("has git submodules"));
    Files.delete(repo.resolve(".gitmodules"));
    Path wt = dir.resolve("wt");
    git(repo, "worktree", "add", "-q", wt.toString());
    assertTrue(
        assertThrows(WorkspaceException.class, () -> lister.list(wt, false))
            .getMessage()
            .contains("is a linked worktree"));
  }

  @Test
  void aPathThatClimbsOutOfTheWorkTreeIsRefused() {
    Path root = Path.of("/home/u/repo");
    assertEquals("a/b", assertDoesNotThrow(() -> WorkspaceLister.checked(root, "a/./b")));
    for (String bad : List.of("../x", "/etc/passwd", "a/../../x", ".git/config", "")) {
      assertThrows(WorkspaceException.class, () -> WorkspaceLister.checked(root, bad), bad);
    }
  }

  private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
    return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
  }
}
