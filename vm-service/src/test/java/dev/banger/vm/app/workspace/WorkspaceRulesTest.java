package dev.banger.vm.app.workspace;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.banger.vm.app.VmProblem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a prepare lets reach the guest's shell: the guest path, branch and ref rules, and the
 * command.
 */
class WorkspaceRulesTest {

  @Test
  void guestPathsMustBePlainAndBelowRoot() {
    for (String ok : List.of("/root/repo", "/root/a/b.c/d_e-f", "/root/.hidden")) {
      assertDoesNotThrow(() -> WorkspaceRules.checkGuestPath(ok), ok);
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
      VmProblem e = assertThrows(VmProblem.class, () -> WorkspaceRules.checkGuestPath(bad), bad);
      assertEquals(VmProblem.Kind.INVALID_ARGUMENT, e.kind());
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
    assertDoesNotThrow(() -> WorkspaceRules.checkBranch("", ""));
    assertDoesNotThrow(() -> WorkspaceRules.checkBranch("feature/x-1.2", "HEAD~2"));
    for (String bad : List.of("-b", "a b", "a;b", "a..b", "a//b", "x/", "x.lock", "$(id)", "a'b")) {
      assertThrows(VmProblem.class, () -> WorkspaceRules.checkBranch(bad, ""), bad);
    }
    for (String bad : List.of("-x", "a b", "a..b", "`id`")) {
      assertThrows(VmProblem.class, () -> WorkspaceRules.checkBranch("ok", bad), bad);
    }
    VmProblem alone = assertThrows(VmProblem.class, () -> WorkspaceRules.checkBranch("", "main"));
    assertEquals("from_ref needs a branch to start: give branch too", alone.getMessage());
  }

  @Test
  void theGuestCommandReplacesThePathThenChecksOutTheBranchThenStamps() {
    String stamp =
        " && { [ ! -d '/root/repo'/.git ] || touch -- '/root/repo'/.git/banger-prepared; }";
    assertEquals(
        "rm -rf -- '/root/repo' && mkdir -p -- '/root/repo' && tar -x -p -f - -C '/root/repo'"
            + stamp,
        WorkspaceRules.receiveCommand("/root/repo", "", ""));
    assertEquals(
        "rm -rf -- '/root/r' && mkdir -p -- '/root/r' && tar -x -p -f - -C '/root/r'"
            + " && git -C '/root/r' checkout -q -b 'try/1' 'HEAD~1'"
            + stamp.replace("repo", "r"),
        WorkspaceRules.receiveCommand("/root/r", "try/1", "HEAD~1"));
  }

  @Test
  void theDefaultGuestPathIsTheRepositorysNameWhenThatIsPlain() {
    assertEquals("/root/banger", WorkspaceRules.defaultGuestPath(Path.of("/home/u/banger")));
    assertEquals("/root/workspace", WorkspaceRules.defaultGuestPath(Path.of("/home/u/my repo")));
    assertEquals("/root/workspace", WorkspaceRules.defaultGuestPath(Path.of("/")));
  }
}
