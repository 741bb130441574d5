package dev.banger.vm.app.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.fakes.FakeTrees;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.workspace.WorkspaceLister;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PrepareWorkspace on fake ports and a real git checkout: offline onto a never-started VM's work
 * disk, over SSH to a running one, and every refusal recording nothing.
 */
class WorkspacePrepareTest {

  static final HostCommandRunner RUN = new HostCommandRunner();
  static final StageProgress QUIET = (stage, message, done, total) -> {};

  @TempDir Path dir;
  Path repo;
  AppHarness h;
  FakeTrees trees;
  WorkspacePrepare prepare;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    git("init", "-q");
    Files.writeString(repo.resolve("README"), "hello\n");
    git("add", "-A");
    git("commit", "-q", "-m", "one");
    h = new AppHarness(dir.resolve("h"));
    trees = new FakeTrees(h.host);
    prepare =
        new WorkspacePrepare(
            h.store,
            new VmLookup(h.store),
            h.guest,
            h.locks,
            new WorkspaceLister(RUN),
            new OfflineWorkspace(h.disk, h.images, trees));
  }

  private void git(String... args) throws Exception {
    var argv =
        new java.util.ArrayList<>(
            List.of("git", "-C", repo.toString(), "-c", "user.name=t", "-c", "user.email=t@e.org"));
    argv.addAll(List.of(args));
    assertTrue(RUN.run(Command.of(argv).build()).succeeded(), String.join(" ", args));
  }

  private PrepareRequest request(String vm) {
    return new PrepareRequest(vm, repo.toString(), "", false, "", "", false, false);
  }

  private VmRecord created(String name) throws Exception {
    return h.lifecycle.create(
        new CreateRequest("", name, "", "", 0, 0, 0, 0, false, "", true, false, null),
        QUIET,
        () -> false);
  }

  @Test
  void aNeverStartedVmGetsItsWorkspaceOnItsWorkDiskWithNoGuest() throws Exception {
    VmRecord v = created("fresh");
    PrepareResult r = prepare.prepare(request("fresh"), QUIET, () -> false);
    assertTrue(r.offline());
    assertEquals(1, trees.written.size());
    assertEquals("/repo", trees.written.get(0).diskPath());
    assertTrue(h.host.workDisks.contains(v.id()), "the work disk the first start keeps");
    assertTrue(
        new String(trees.written.get(0).tar(), StandardCharsets.ISO_8859_1).contains("hello"));
    assertFalse(h.host.calls.contains("send"));
    PreparedWorkspace recorded =
        PreparedWorkspace.fromJson(h.store.find("fresh").orElseThrow().lastWorkspace())
            .orElseThrow();
    assertEquals("/root/repo", recorded.guestPath());
    assertEquals(repo.toString(), recorded.hostPath());
    assertEquals(40, recorded.headCommit().length());
  }

  @Test
  void aRunningVmGetsTheTarOverSshIntoTheCheckedCommand() throws Exception {
    h.lifecycle.create(AppHarness.create("up"), QUIET, () -> false);
    PrepareRequest branch =
        new PrepareRequest(
            "up", repo.toString(), "/root/src/app", false, "try/1", "HEAD", false, false);
    PrepareResult r = prepare.prepare(branch, QUIET, () -> false);
    assertFalse(r.offline());
    assertEquals(
        List.of(WorkspaceRules.receiveCommand("/root/src/app", "try/1", "HEAD")),
        h.guest.sentCommands);
    assertTrue(new String(h.guest.sent.get(0), StandardCharsets.ISO_8859_1).contains("hello"));
    assertEquals(
        "try/1",
        PreparedWorkspace.fromJson(h.store.find("up").orElseThrow().lastWorkspace())
            .orElseThrow()
            .branch());
  }

  @Test
  void changesMadeInTheVmAreNotCopiedOverUnlessForced() throws Exception {
    h.lifecycle.create(AppHarness.create("up"), QUIET, () -> false);
    h.guest.runOutput = "./src/a.c\n./notes\n.git/refs/heads/main\n";
    VmProblem p =
        assertThrows(VmProblem.class, () -> prepare.prepare(request("up"), QUIET, () -> false));
    assertEquals("WORKSPACE_GUEST_CHANGED", p.reason());
    assertEquals(VmProblem.Kind.FAILED_PRECONDITION, p.kind());
    assertTrue(
        p.getMessage().contains("(src/a.c, notes, .git/refs/heads/main)")
            && p.getMessage().contains("'banger vm workspace export up'"),
        p.getMessage());
    assertEquals(List.of(WorkspaceRules.guestChangesCommand("/root/repo")), h.guest.ranCommands);
    assertTrue(h.guest.sentCommands.isEmpty(), "nothing was sent");

    PrepareRequest force =
        new PrepareRequest("up", repo.toString(), "", false, "", "", false, true);
    assertFalse(prepare.prepare(force, QUIET, () -> false).offline());
    assertEquals(1, h.guest.sentCommands.size());
    assertEquals(1, h.guest.ranCommands.size(), "force skips the check");
  }

  @Test
  void aFailedUnpackSaysWhyAndRecordsNothing() throws Exception {
    h.lifecycle.create(AppHarness.create("up"), QUIET, () -> false);
    h.guest.sendStatus = 2;
    VmProblem p =
        assertThrows(VmProblem.class, () -> prepare.prepare(request("up"), QUIET, () -> false));
    assertEquals("WORKSPACE_UNPACK_FAILED", p.reason());
    assertTrue(
        p.getMessage().contains("failed (exit 2: tar: ") && p.getMessage().contains("No space"),
        p.getMessage());
    assertEquals(null, h.store.find("up").orElseThrow().lastWorkspace());
  }

  @Test
  void aCancelStopsTheSendAndRecordsNothing() throws Exception {
    h.lifecycle.create(AppHarness.create("up"), QUIET, () -> false);
    assertThrows(
        CancellationException.class, () -> prepare.prepare(request("up"), QUIET, () -> true));
    assertEquals(null, h.store.find("up").orElseThrow().lastWorkspace());
  }

  @Test
  void refusalsComeBeforeAnyDiskOrGuestIsTouched() throws Exception {
    created("fresh");
    List<String> before = List.copyOf(h.host.calls);
    PrepareRequest relative = new PrepareRequest("fresh", "repo", "", false, "", "", false, false);
    assertEquals("host_path", refused(relative).metadata().get("field"));
    PrepareRequest escape =
        new PrepareRequest("fresh", repo.toString(), "/root/../etc", false, "", "", false, false);
    assertEquals("guest_path", refused(escape).metadata().get("field"));
    PrepareRequest missing =
        new PrepareRequest("nope", repo.toString(), "", false, "", "", false, false);
    assertEquals(VmProblem.Kind.NOT_FOUND, refused(missing).kind());
    PrepareRequest notGit =
        new PrepareRequest("fresh", dir.toString(), "", false, "", "", false, false);
    assertEquals("WORKSPACE_INVALID", refused(notGit).reason());
    // A branch is made by git in the guest: a never-started VM cannot take one offline.
    PrepareRequest branch =
        new PrepareRequest("fresh", repo.toString(), "", false, "b1", "", false, false);
    assertEquals("WORKSPACE_NEEDS_RUNNING_VM", refused(branch).reason());
    assertEquals(before, h.host.calls, "no disk made, nothing sent");
    assertTrue(trees.written.isEmpty());
    assertEquals(null, h.store.find("fresh").orElseThrow().lastWorkspace());

    h.lifecycle.create(AppHarness.create("up"), QUIET, () -> false);
    h.control.stop("up", 1);
    VmProblem stopped = refused(request("up"));
    assertEquals("VM_WRONG_STATE", stopped.reason());
    assertTrue(stopped.getMessage().contains("banger vm start up"), stopped.getMessage());
  }

  @Test
  void aDryRunListsWhatWouldGoAndNeedsNoVm() throws Exception {
    PrepareRequest dry = new PrepareRequest("", repo.toString(), "", false, "", "", true, false);
    PrepareResult r = prepare.prepare(dry, QUIET, () -> false);
    assertTrue(r.paths().contains("README"), r.paths().toString());
    assertTrue(r.paths().contains(".git/HEAD"), "the history goes too");
    assertTrue(r.bytes() > "hello\n".length(), "README and the .git files: " + r.bytes());
    assertEquals(null, r.workspace().preparedAt());
    assertTrue(h.host.calls.isEmpty());
  }

  private VmProblem refused(PrepareRequest req) {
    return assertThrows(VmProblem.class, () -> prepare.prepare(req, QUIET, () -> false));
  }
}
