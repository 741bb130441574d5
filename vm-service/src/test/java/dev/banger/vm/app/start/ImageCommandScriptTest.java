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
                "/bin/sh",
                List.of("sh", "-c", "echo '$HOME' `id`; rm -rf /"),
                List.of("A=it's $x", "NOEQUALS", "-i=x"),
                "/srv/my app",
                33,
                34));
    assertEquals(
        "# banger: the image's ENTRYPOINT and CMD, run by the guest kit's PID 1\n"
            + "cd -- '/srv/my app' || exit 126\n"
            + "exec /.banger/bin/env -i 'A=it'\\''s $x' 'HOME=/' /.banger/bin/nsenter -S 33 -G 34"
            + " -- '/bin/sh' '-c' 'echo '\\''$HOME'\\'' `id`; rm -rf /'\n",
        s);
  }

  @Test
  void rootGetsRootsHomeAndAnImagesHomeWins() {
    String root =
        ImageCommandScript.render(new KitBoot.Command("/x", List.of("x"), List.of(), "/", 0, 0));
    assertEquals(true, root.contains(" 'HOME=/root' "), root);
    String own =
        ImageCommandScript.render(
            new KitBoot.Command("/x", List.of("x"), List.of("HOME=/home/x"), "/", 0, 0));
    assertEquals(false, own.contains("HOME=/root"), own);
  }

  @Test
  void theImagesEnvIsExportedAndBadNamesLeftOut() throws Exception {
    String env =
        ImageCommandScript.env(
            List.of("PATH=/usr/local/bin:/usr/bin", "X=it's", "1BAD=x", "NOEQUALS", "A-B=c", "E="));
    assertEquals(
        "# banger: the image's Env, for commands run over SSH\n"
            + "export 'PATH=/usr/local/bin:/usr/bin'\n"
            + "export 'X=it'\\''s'\n"
            + "export 'E='\n",
        env);
    Path f = Files.writeString(dir.resolve("env"), env);
    CommandResult r =
        new HostCommandRunner()
            .run(
                Command.of(
                        "sh",
                        "-c",
                        ". \"$1\"; printf '%s|%s|%s' \"$X\" \"$E\" \"$PATH\"",
                        "sh",
                        f.toString())
                    .build());
    assertEquals("it's||/usr/local/bin:/usr/bin", r.stdoutText(), r.stderrText());
  }

  @Test
  void aKitVmGetsTheEnvAlwaysAndTheCommandWhenItHasOne() {
    KitBoot noCommand = new KitBoot(Path.of("/k"), List.of("A=b"), java.util.Optional.empty());
    assertEquals(
        List.of("/etc/banger/image-env"),
        List.copyOf(ImageCommandScript.files(noCommand).keySet()));
    KitBoot withCommand =
        new KitBoot(
            Path.of("/k"),
            List.of(),
            java.util.Optional.of(new KitBoot.Command("/x", List.of("x"), List.of(), "/", 0, 0)));
    assertEquals(
        List.of("/etc/banger/command", "/etc/banger/image-env"),
        List.copyOf(ImageCommandScript.files(withCommand).keySet()));
  }

  /**
   * Run by a real sh with the real busybox's env and nsenter (the kit's, from Debian's
   * busybox-static): the argv arrives intact, the environment is exactly the image's, and the
   * program runs by its absolute path even where busybox has an applet of the same name.
   */
  @Test
  void aRealShellAndBusyboxPassTheArgumentsOnUnchanged() throws Exception {
    Path busybox = Path.of("/bin/busybox");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isExecutable(busybox),
        "SKIPPED LOUDLY: no /bin/busybox (apt-get install busybox-static)");
    Path printf =
        Files.isExecutable(Path.of("/usr/bin/printf"))
            ? Path.of("/usr/bin/printf")
            : Path.of("/bin/printf");
    String script =
        ImageCommandScript.render(
                new KitBoot.Command(
                    printf.toString(),
                    List.of("printf", "[%s]", "a b", "it's", "$HOME", "`x`", "*", "${K}"),
                    List.of("K=v v", "NOEQUALS"),
                    dir.toString(),
                    0,
                    0))
            .replace("/.banger/bin/env", busybox + " env")
            .replace("/.banger/bin/nsenter", busybox + " nsenter");
    Path f = Files.writeString(dir.resolve("command"), script);
    Files.createFile(dir.resolve("a-file"));
    CommandResult r = new HostCommandRunner().run(Command.of("sh", f.toString()).build());
    assertEquals("[a b][it's][$HOME][`x`][*][${K}]", r.stdoutText(), r.stderrText());

    // What the program sees: the image's variables and HOME, nothing of the shell's.
    String env =
        ImageCommandScript.render(
                new KitBoot.Command(
                    "/usr/bin/env", List.of("env"), List.of("K=v v"), dir.toString(), 0, 0))
            .replace("/.banger/bin/env", busybox + " env")
            .replace("/.banger/bin/nsenter", busybox + " nsenter");
    Path g = Files.writeString(dir.resolve("env-command"), env);
    CommandResult e = new HostCommandRunner().run(Command.of("sh", g.toString()).build());
    assertEquals(
        List.of("HOME=/root", "K=v v"), e.stdoutText().lines().sorted().toList(), e.stderrText());
  }
}
