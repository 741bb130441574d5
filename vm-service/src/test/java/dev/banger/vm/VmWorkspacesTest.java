package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a prepare lets reach the guest's shell: the guest path, branch and ref rules, and the
 * command.
 */
class VmWorkspacesTest {

  @Test
  void guestPathsMustBePlainAndBelowRoot() {
    for (String ok : List.of("/root/repo", "/root/a/b.c/d_e-f", "/root/.hidden")) {
      assertDoesNotThrow(() -> VmWorkspaces.checkGuestPath(ok), ok);
    }
    for (String bad :
        List.of(
            "/root",
            "/root/",
            "/etc/x",
            "/root/../etc",
            "/root/a/..",
            "/root/./a",
            "/root/a b",
            "/root/a'b",
            "/root/$(id)",
            "root/x",
            "/root//x",
            "/root/-x")) {
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> VmWorkspaces.checkGuestPath(bad), bad);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
  }

  @Test
  void theOfflinePathMapsGuestPathsOntoTheWorkDiskAndNamesWhatDebugfsCannotCarry() {
    assertEquals("/repo", OfflineWorkspace.diskPath("/root/repo"));
    assertEquals("/work/app", OfflineWorkspace.diskPath("/root/work/app"));
    var fine =
        new dev.banger.vm.workspace.WorkspaceSource(
            Path.of("/tmp/r"), "", List.of(".git", ".git/HEAD", "a b/c $(d)\\e.txt", "ünï.txt"));
    assertEquals(null, OfflineWorkspace.problem(fine, "/root/repo"));
    var quote =
        new dev.banger.vm.workspace.WorkspaceSource(
            Path.of("/tmp/r"), "", List.of("ok", "say \"hi\".txt"));
    String why = OfflineWorkspace.problem(quote, "/root/repo");
    assertEquals(
        true,
        why.startsWith("the path ")
            && why.contains("say")
            && why.endsWith("which debugfs cannot quote"),
        why);
    var newline =
        new dev.banger.vm.workspace.WorkspaceSource(Path.of("/tmp/r"), "", List.of("a\nb"));
    assertEquals(
        true, OfflineWorkspace.problem(newline, "/root/repo").contains("control character U+000A"));
  }

  @Test
  void branchesAndRefsAdmitNoShellCharacter() {
    assertDoesNotThrow(() -> VmWorkspaces.checkBranch("", ""));
    assertDoesNotThrow(() -> VmWorkspaces.checkBranch("feature/x-1.2", "HEAD~2"));
    for (String bad : List.of("-b", "a b", "a;b", "a..b", "a//b", "x/", "x.lock", "$(id)", "a'b")) {
      assertThrows(StatusRuntimeException.class, () -> VmWorkspaces.checkBranch(bad, ""), bad);
    }
    for (String bad : List.of("-x", "a b", "a..b", "`id`")) {
      assertThrows(StatusRuntimeException.class, () -> VmWorkspaces.checkBranch("ok", bad), bad);
    }
    StatusRuntimeException alone =
        assertThrows(StatusRuntimeException.class, () -> VmWorkspaces.checkBranch("", "main"));
    assertEquals(
        "from_ref needs a branch to start: give branch too", alone.getStatus().getDescription());
  }

  @Test
  void theGuestCommandReplacesThePathThenChecksOutTheBranch() {
    assertEquals(
        "rm -rf -- '/root/repo' && mkdir -p -- '/root/repo' && tar -x -p -f - -C '/root/repo'",
        VmWorkspaces.receiveCommand("/root/repo", "", ""));
    assertEquals(
        "rm -rf -- '/root/r' && mkdir -p -- '/root/r' && tar -x -p -f - -C '/root/r'"
            + " && git -C '/root/r' checkout -q -b 'try/1' 'HEAD~1'",
        VmWorkspaces.receiveCommand("/root/r", "try/1", "HEAD~1"));
  }

  @Test
  void theDefaultGuestPathIsTheRepositorysNameWhenThatIsPlain() {
    assertEquals("/root/banger", VmWorkspaces.defaultGuestPath(Path.of("/home/u/banger")));
    assertEquals("/root/workspace", VmWorkspaces.defaultGuestPath(Path.of("/home/u/my repo")));
    assertEquals("/root/workspace", VmWorkspaces.defaultGuestPath(Path.of("/")));
  }
}
