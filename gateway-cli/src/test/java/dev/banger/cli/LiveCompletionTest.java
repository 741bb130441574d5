package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.AutoComplete;

/**
 * Live name completion: which commands take which names comes from the model, and the bash
 * function, run by the real bash against a stand-in banger on PATH, completes them with the line's
 * --state-dir, and leaves everything else to picocli's completion.
 */
class LiveCompletionTest {

  @TempDir Path dir;

  @Test
  void theModelSaysWhichCommandsTakeWhichNames() {
    List<LiveCompletion.Target> t = LiveCompletion.targets(CommandTree.full());
    assertTrue(t.contains(new LiveCompletion.Target("vm show", "vm", false)), t.toString());
    assertTrue(t.contains(new LiveCompletion.Target("vm start", "vm", true)), t.toString());
    assertTrue(
        t.contains(new LiveCompletion.Target("vm workspace prepare", "vm", false)), t.toString());
    assertTrue(t.contains(new LiveCompletion.Target("image show", "image", false)), t.toString());
    assertTrue(t.contains(new LiveCompletion.Target("kernel show", "kernel", false)), t.toString());
    assertTrue(
        t.contains(new LiveCompletion.Target("snapshot rm", "snapshot", true)), t.toString());
    assertTrue(t.stream().noneMatch(x -> x.path().equals("vm run")), "vm run takes a PATH");
  }

  @Test
  void bashCompletesNamesFromTheServicesAndTheRestFromTheModel() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path calls = dir.resolve("calls");
    Path fake =
        Files.writeString(
            bin.resolve("banger"),
            "#!/bin/sh\necho \"$*\" >> " + calls + "\necho alpha; echo beta; echo other\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path script =
        Files.writeString(
            dir.resolve("banger.bash"),
            AutoComplete.bash("banger", CommandTree.full())
                + LiveCompletion.bash(CommandTree.full()));

    assertEquals("alpha", complete(bin, script, "banger --state-dir /s vm show al"));
    assertEquals("--state-dir /s vm list -q", Files.readString(calls).strip());
    assertEquals("beta", complete(bin, script, "banger vm start other b"), "each of several");
    assertTrue(
        !complete(bin, script, "banger vm show alpha b").contains("beta"), "show takes one VM");
    assertEquals("beta", complete(bin, script, "banger image delete be"));
    String verbs = complete(bin, script, "banger vm st");
    assertTrue(verbs.contains("start") && verbs.contains("stop"), verbs);
    assertTrue(!verbs.contains("alpha"), "no names where a verb goes");
    assertEquals("json\njsonl", complete(bin, script, "banger vm list -o j"), "enum values too");
    assertEquals("fish", complete(bin, script, "banger completion f"));
  }

  /** COMPREPLY for the line, the last word being completed, as bash sets it up for Tab. */
  private String complete(Path bin, Path script, String line) throws Exception {
    String bash =
        "source "
            + script
            + "; COMP_LINE='"
            + line
            + "'; read -ra COMP_WORDS <<< \"$COMP_LINE\"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
            + " COMP_POINT=${#COMP_LINE}; _banger_live banger; printf '%s\\n' \"${COMPREPLY[@]}\"";
    CommandResult r =
        new HostCommandRunner()
            .run(Command.of("bash", "-c", bash).env("PATH", bin + ":/usr/bin:/bin").build());
    assertEquals(0, r.exitCode(), r.stderrText());
    return r.stdoutText().strip();
  }
}
