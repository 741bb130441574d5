package dev.banger.vm.app.start;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.ports.KitBoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The script the guest kit runs for an image's command: quoting, environment and user. */
class ImageCommandScriptTest {

  @TempDir Path dir;

  @Test
  void everyValueIsQuotedAndTheIdsAreNumbers() {
    String s =
        ImageCommandScript.render(
            new KitBoot.Command(
                List.of("sh", "-c", "echo '$HOME' `id`; rm -rf /"),
                List.of("A=it's $x"),
                "/srv/my app",
                33,
                34));
    assertEquals(
        "# banger: the image's ENTRYPOINT and CMD, run by the guest kit's PID 1\n"
            + "cd -- '/srv/my app' || exit 126\n"
            + "exec /.banger/bin/env -i 'A=it'\\''s $x' 'HOME=/' /.banger/bin/nsenter -S 33 -G 34"
            + " -- 'sh' '-c' 'echo '\\''$HOME'\\'' `id`; rm -rf /'\n",
        s);
  }

  @Test
  void rootGetsRootsHomeAndAnImagesHomeWins() {
    String root =
        ImageCommandScript.render(new KitBoot.Command(List.of("x"), List.of(), "/", 0, 0));
    assertEquals(true, root.contains(" 'HOME=/root' "), root);
    String own =
        ImageCommandScript.render(
            new KitBoot.Command(List.of("x"), List.of("HOME=/home/x"), "/", 0, 0));
    assertEquals(false, own.contains("HOME=/root"), own);
  }

  /** Run by a real sh with stand-ins for the kit's env and nsenter: the argv arrives intact. */
  @Test
  void aRealShellPassesTheArgumentsOnUnchanged() throws Exception {
    String script =
        ImageCommandScript.render(
                new KitBoot.Command(
                    List.of("printf", "[%s]", "a b", "it's", "$HOME", "`x`", "*"),
                    List.of("K=v v"),
                    dir.toString(),
                    0,
                    0))
            .replace("/.banger/bin/env -i", "env -i PATH=/usr/bin:/bin")
            .replace("/.banger/bin/nsenter -S 0 -G 0 --", "");
    Path f = Files.writeString(dir.resolve("command"), script);
    Files.createFile(dir.resolve("a-file"));
    CommandResult r = new HostCommandRunner().run(Command.of("sh", f.toString()).build());
    assertEquals("[a b][it's][$HOME][`x`][*]", r.stdoutText(), r.stderrText());
  }
}
