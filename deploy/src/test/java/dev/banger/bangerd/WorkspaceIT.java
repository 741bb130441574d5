package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.vm.v1.ExecStart;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.WindowSize;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.state.ServiceName;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Workspaces end to end (issue #8), the real {@code banger} against real guests under TCG in a
 * namespace of the test's own: a checkout with tracked, untracked, ignored, executable, symlinked
 * and edited files goes into a VM with {@code vm run PATH}, {@code vm workspace prepare} and {@code
 * vm exec}; bad input leaves no VM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkspaceIT {

  static final String NETNS = "bgws-" + ProcessHandle.current().pid();
  static BootedStack booted;
  static Path repo;
  static Path syncSrc;

  @BeforeAll
  static void setUp() throws Exception {
    // [[file_sync]]: a file, a tree with its own mode, and a host path that is not there.
    syncSrc = Files.createTempDirectory(Path.of("/tmp"), "bgsync-");
    Files.writeString(syncSrc.resolve("gitconfig"), "[user]\n\tname = banger test\n");
    Files.createDirectories(syncSrc.resolve("tools/bin"));
    Files.writeString(syncSrc.resolve("tools/bin/run"), "#!/bin/sh\necho synced\n");
    booted =
        BootedStack.start(
            NETNS,
            "WorkspaceIT",
            "[[file_sync]]\nhost = \""
                + syncSrc.resolve("gitconfig")
                + "\"\nguest = \"/root/.gitconfig\"\n\n[[file_sync]]\nhost = \""
                + syncSrc.resolve("tools")
                + "\"\nguest = \"/root/tools\"\nmode = \"0755\"\n\n[[file_sync]]\nhost = \""
                + syncSrc.resolve("missing")
                + "\"\nguest = \"/root/missing\"\n",
            true); // its guests boot from an image replaced by a forced pull
    repo = booted.state.resolve("checkout/repo");
    Files.createDirectories(repo.resolve("src"));
    git("init", "-q");
    Files.writeString(repo.resolve("README"), "committed\n");
    Files.writeString(repo.resolve(".gitignore"), "*.log\n");
    Path run = Files.writeString(repo.resolve("src/run.sh"), "#!/bin/sh\necho ran in $(pwd)\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(repo.resolve("link"), Path.of("README"));
    git("add", "-A");
    git("commit", "-q", "-m", "one");
    Files.writeString(repo.resolve("README"), "committed\nedited on the host\n");
    Files.writeString(repo.resolve("notes.txt"), "untracked\n");
    Files.writeString(repo.resolve("debug.log"), "ignored\n");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (booted != null) {
      booted.close();
    }
    if (syncSrc != null) {
      VmStack.RUN.run(Command.of("rm", "-rf", syncSrc.toString()).build());
    }
  }

  static CommandResult git(String... args) throws Exception {
    List<String> a =
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
    a.addAll(List.of(args));
    CommandResult r = VmStack.RUN.run(Command.of(a).build());
    assertTrue(r.succeeded(), r.stderrText());
    return r;
  }

  static int vmCount() {
    return booted.vms().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount();
  }

  @Test
  @Order(1)
  void runCopiesTheCheckoutAndExitsWithTheGuestCommandsStatus() throws Exception {
    long t0 = System.nanoTime();
    CommandResult r =
        booted.banger(
            "vm",
            "run",
            repo.toString(),
            "--rm",
            "--name",
            "ws-run",
            "--",
            "sh",
            "-c",
            "git status --porcelain; stat -c '%a %F %n' src/run.sh README link; readlink link; ./src/run.sh;"
                + " git rev-parse HEAD; ls -a; exit 3");
    System.out.printf(
        "[WorkspaceIT] vm run PATH --rm -- ...: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(3, r.exitCode(), r.stdoutText() + r.stderrText());
    String out = r.stdoutText();
    List<String> lines = out.lines().toList();
    assertEquals(
        " M README", lines.get(0), "only the host's uncommitted edit shows in the guest: " + out);
    assertEquals(
        List.of(
            "755 regular file src/run.sh",
            "644 regular file README",
            "777 symbolic link link",
            "README"),
        lines.subList(1, 5),
        "modes kept, the link a link: " + out);
    assertFalse(
        out.contains("notes.txt") || out.contains("debug.log"),
        "untracked and ignored stay home: " + out);
    assertTrue(
        out.contains("ran in /root/repo\n"),
        "the command runs in the workspace, executable kept: " + out);
    assertTrue(
        out.contains(git("rev-parse", "HEAD").stdoutText()),
        "the guest's HEAD is the host's: " + out);
    assertTrue(r.stderrText().contains("ws-run:/root/repo holds " + repo), r.stderrText());
    assertTrue(
        r.stderrText().contains("written onto its work disk before boot"),
        "a fresh VM gets its workspace offline, before it boots: " + r.stderrText());
    assertEquals(0, vmCount(), "--rm deleted it");
  }

  @Test
  @Order(2)
  void dryRunListsExactlyWhatWouldGoAndMakesNoVm() throws Exception {
    CommandResult tracked =
        booted.banger("vm", "workspace", "prepare", "none", repo.toString(), "--dry-run");
    assertEquals(0, tracked.exitCode(), tracked.stderrText());
    assertEquals(
        List.of(".gitignore", "README", "link", "src/run.sh"), workTree(tracked.stdoutText()));
    CommandResult all =
        booted.banger(
            "vm",
            "workspace",
            "prepare",
            "none",
            repo.toString(),
            "--dry-run",
            "--include-untracked");
    assertEquals(
        List.of(".gitignore", "README", "link", "notes.txt", "src/run.sh"),
        workTree(all.stdoutText()));
    assertEquals(0, vmCount());
  }

  @Test
  @Order(2)
  void aVmNotStartedTakesNoBranchOfflineAndSaysWhatToDo() throws Exception {
    assertEquals(0, booted.banger("vm", "create", "--no-start", "--name", "ws-cold").exitCode());
    CommandResult r =
        booted.banger("vm", "workspace", "prepare", "ws-cold", repo.toString(), "--branch", "b1");
    assertEquals(1, r.exitCode(), r.stderrText());
    assertTrue(
        r.stderrText()
            .contains(
                "VM ws-cold has not started, and its workspace cannot be written onto its work "
                    + "disk offline (a branch is made by git in the guest); start it and prepare again"),
        r.stderrText());
    assertEquals(0, booted.banger("vm", "delete", "ws-cold").exitCode());
  }

  private static List<String> workTree(String listing) {
    return listing
        .lines()
        .filter(l -> !l.equals(".git") && !l.startsWith(".git/"))
        .sorted()
        .toList();
  }

  @Test
  @Order(3)
  void execRunsInTheRecordedWorkspaceAndSaysWhenTheHostMoved() throws Exception {
    assertEquals(0, booted.banger("vm", "run", "-d", "-q", "--name", "ws-exec").exitCode());
    CommandResult prep =
        booted.banger(
            "vm",
            "workspace",
            "prepare",
            "ws-exec",
            repo.toString(),
            "--include-untracked",
            "--guest-path",
            "/root/work/app",
            "--branch",
            "try/one");
    assertEquals(0, prep.exitCode(), prep.stderrText());
    assertEquals("/root/work/app\n", prep.stdoutText());
    assertTrue(prep.stderrText().contains("on branch try/one"), prep.stderrText());
    // Into a running VM the tar goes through the host's OpenSSH client (.ci/run installs it).
    assertTrue(
        booted
            .stack
            .log()
            .contains("workspace copies into running VMs go through the host's OpenSSH client"),
        "vm-service found /usr/bin/ssh for bulk copies");
    CommandResult exec =
        booted.banger(
            "vm",
            "exec",
            "ws-exec",
            "--",
            "sh",
            "-c",
            "pwd; git status --porcelain; git rev-parse --abbrev-ref HEAD");
    assertEquals(0, exec.exitCode(), exec.stderrText());
    assertEquals(
        "/root/work/app\n M README\n?? notes.txt\ntry/one\n",
        exec.stdoutText(),
        "a guest-only branch at the copied HEAD, the host's changes kept");
    assertEquals(
        "", git("branch", "--list", "try/one").stdoutText(), "the branch is the guest's only");
    assertEquals(5, booted.banger("vm", "exec", "ws-exec", "--", "sh", "-c", "exit 5").exitCode());

    git("commit", "-q", "-am", "two");
    CommandResult stale = booted.banger("vm", "exec", "ws-exec", "--", "git", "log", "--format=%s");
    assertEquals("one\n", stale.stdoutText());
    assertTrue(stale.stderrText().contains("warning: " + repo + " is at"), stale.stderrText());
    CommandResult fresh =
        booted.banger(
            "vm",
            "exec",
            "ws-exec",
            "--auto-prepare",
            "--",
            "sh",
            "-c",
            "git log --format=%s; git rev-parse --abbrev-ref HEAD");
    assertEquals(
        "two\none\ntry/one\n",
        fresh.stdoutText(),
        "copied again, on the same guest branch: " + fresh.stderrText());

    // An edit made in the VM is not deleted by a copy again, unless forced.
    assertEquals(
        0,
        booted.banger("vm", "exec", "ws-exec", "--", "sh", "-c", "echo vm >> README").exitCode());
    String[] again = {
      "vm",
      "workspace",
      "prepare",
      "ws-exec",
      repo.toString(),
      "--include-untracked",
      "--guest-path",
      "/root/work/app",
      "--branch",
      "try/two"
    };
    CommandResult refused = booted.banger(again);
    assertEquals(1, refused.exitCode(), refused.stderrText());
    assertTrue(
        refused.stderrText().contains("has changes made in the VM since it was copied (README)")
            && refused.stderrText().contains("--force"),
        refused.stderrText());
    String[] forced = java.util.Arrays.copyOf(again, again.length + 1);
    forced[again.length] = "--force";
    CommandResult overwritten = booted.banger(forced);
    assertEquals(0, overwritten.exitCode(), overwritten.stderrText());

    // [[file_sync]] wrote its files onto the work disk at start; the missing one is a warning.
    CommandResult synced =
        booted.banger(
            "vm",
            "exec",
            "ws-exec",
            "--guest-path",
            "/root",
            "--",
            "sh",
            "-c",
            "cat .gitconfig; stat -c '%a %n' .gitconfig tools tools/bin/run; tools/bin/run; test -e missing || echo absent");
    assertEquals(
        "[user]\n\tname = banger test\n600 .gitconfig\n700 tools\n755 tools/bin/run\nsynced\nabsent\n",
        synced.stdoutText(),
        synced.stderrText());
    assertTrue(
        booted.stack.log().contains("file_sync: " + syncSrc.resolve("missing") + " does not exist"),
        "a missing host path is a warning in vm-service's log");
  }

  @Test
  @Order(4)
  void theExecApiRunsProgramsInTheVmWithStreamsApartStdinATtyAndAKill() throws Exception {
    ExecClient api = new ExecClient(booted.stack.channel(ServiceName.VM));
    ExecClient.Call c = api.run(exec("sh", "-c", "pwd; echo err >&2; exit 3").build()).await();
    assertEquals(Status.Code.OK, c.status.getCode(), String.valueOf(c.status));
    assertEquals("/root/work/app\n", c.out(), "the workspace is the default directory");
    assertEquals("err\n", c.err());
    assertEquals(3, c.exit);

    ExecClient.Call quoted =
        api.run(exec("printf", "[%s]", "it's", "$(id)", "a;b", "").setWorkingDir("/tmp").build())
            .await();
    assertEquals("[it's][$(id)][a;b][]", quoted.out(), "argv arrives as sent, no shell");

    byte[] data = new byte[4 << 20];
    new java.util.Random(7).nextBytes(data);
    ExecClient.Call hashed =
        api.run(
                exec("sha256sum").build(),
                s -> {
                  for (int off = 0; off < data.length; off += 256 << 10) {
                    while (!s.isReady()) {
                      Thread.onSpinWait();
                    }
                    s.onNext(
                        ExecClient.stdin(
                            java.util.Arrays.copyOfRange(data, off, off + (256 << 10))));
                  }
                  s.onCompleted();
                },
                true,
                0)
            .await();
    assertEquals(
        java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data))
            + "  -\n",
        hashed.out());

    ExecClient.Call tty =
        api.run(
                exec("sh", "-c", "tty; stty size")
                    .setTty(true)
                    .setWindow(WindowSize.newBuilder().setColumns(100).setRows(30))
                    .build())
            .await();
    assertTrue(tty.out().matches("(?s)/dev/pts/\\d+\r?\n30 100\r?\n"), tty.out());

    ExecClient.Call missing = api.run(exec("no-such-program").build()).await();
    assertEquals(127, missing.exit);
    assertEquals("banger: no program \"no-such-program\" in the VM\n", missing.err());

    // A cancel kills the program and what it started.
    ExecClient.Call sleeper =
        api.run(exec("sh", "-c", "sleep 300 & echo started; sleep 300").build(), s -> {}, true, 0);
    sleeper.firstOutput.get(2, TimeUnit.MINUTES);
    sleeper.stream.cancel("a client that leaves", null);
    String count = "";
    for (int i = 0; i < 50; i++) {
      count =
          api.run(
                  exec(
                          "sh",
                          "-c",
                          "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done"
                              + " | grep -c '^sleep 300' || true")
                      .build())
              .await()
              .out()
              .strip();
      if (count.equals("0")) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals("0", count, "no sleep 300 is left in the guest");

    // 100 MB read slowly: vm-service holds a window, not the output.
    RssPeak rss = new RssPeak(booted.stack.pid());
    long t0 = System.nanoTime();
    ExecClient.Call flood;
    try (rss) {
      flood =
          api.run(
                  exec("head", "-c", "100000000", "/dev/zero").build(),
                  s -> s.onCompleted(),
                  false,
                  1)
              .await();
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(
        "[WorkspaceIT] Exec of 100 MB to a slow reader: "
            + ms
            + " ms, bangerd RSS "
            + rss.describe());
    assertEquals(0, flood.exit, String.valueOf(flood.status));
    assertEquals(100_000_000L, flood.stdoutBytes);
    long grewMib = rss.grewMib();
    assertTrue(grewMib < 64, "vm-service's memory grew by " + grewMib + " MiB");
  }

  @Test
  @Order(4)
  void filesGoInAndComeBackByteForByteAndAnEscapeWritesNothing() throws Exception {
    ExecClient api = new ExecClient(booted.stack.channel(ServiceName.VM));
    byte[] blob = new byte[10 << 20];
    new java.util.Random(11).nextBytes(blob);
    byte[] tar = tar(blob, false);
    var put = api.put("ws-exec", "/root/put/here", tar);
    assertEquals(3, put.getEntries());
    assertEquals(blob.length + 3, put.getContentBytes());
    assertEquals(
        "blob 10485760\nsh.sh 755\n",
        api.run(
                exec(
                        "sh",
                        "-c",
                        "cd /root/put/here/d && stat -c '%n %s' blob; stat -c '%n %a' sh.sh")
                    .build())
            .await()
            .out());
    byte[] back = api.get("ws-exec", "/root/put/here/d/blob");
    try (var in =
        new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
            new java.io.ByteArrayInputStream(back))) {
      var e = in.getNextEntry();
      assertEquals("blob", e.getName());
      assertTrue(java.util.Arrays.equals(blob, in.readAllBytes()), "byte for byte");
    }
    io.grpc.StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () -> api.put("ws-exec", "/root/put/evil", tar(blob, true)));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertTrue(
        refused.getStatus().getDescription().contains("tar entry \"../outside\""),
        refused.getStatus().getDescription());
    assertEquals(
        "absent\n",
        api.run(exec("sh", "-c", "test -e /root/put/outside || echo absent").build())
            .await()
            .out());
    io.grpc.StatusRuntimeException missing =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class, () -> api.get("ws-exec", "/root/no/such"));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  /** A tar of d/blob, d/sh.sh (mode 755), and with {@code escape} a ../outside after them. */
  static byte[] tar(byte[] blob, boolean escape) throws Exception {
    var b = new java.io.ByteArrayOutputStream();
    try (var t = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(b)) {
      t.putArchiveEntry(new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d/"));
      t.closeArchiveEntry();
      var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d/blob");
      e.setSize(blob.length);
      t.putArchiveEntry(e);
      t.write(blob);
      t.closeArchiveEntry();
      var sh = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d/sh.sh");
      sh.setSize(3);
      sh.setMode(0100755);
      t.putArchiveEntry(sh);
      t.write("x\n\n".getBytes());
      t.closeArchiveEntry();
      if (escape) {
        var out = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("../outside");
        out.setSize(1);
        t.putArchiveEntry(out);
        t.write('x');
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  static ExecStart.Builder exec(String... argv) {
    return ExecStart.newBuilder().setVm("ws-exec").addAllArgv(List.of(argv));
  }

  /** A process's resident memory, KiB (0 when it is gone). */
  /** What a file listing with checksums says of a tree, .git left out. */
  static final String TREE =
      "find . -path ./.git -prune -o \\( -type f -o -type l \\) -print | LC_ALL=C sort"
          + " | while read -r f; do if [ -L \"$f\" ]; then echo \"link $f $(readlink \"$f\")\"; else echo"
          + " \"$(stat -c %a \"$f\") $(sha256sum < \"$f\" | cut -c1-16) $f\"; fi; done";

  @Test
  @Order(4)
  void thePythonAndNodeClientsCreateExecMoveFilesAndStreamAsTheirReadmesSay() throws Exception {
    int before = vmCount();
    for (ClientExamples.Run r :
        List.of(
            ClientExamples.python(booted, "py-demo"), ClientExamples.node(booted, "node-demo"))) {
      ClientExamples.assertDemo(r, r.label().equals("python") ? "py-demo" : "node-demo");
      assertTrue(
          r.rss().grewMib() < 64,
          r.label() + ": vm-service's memory grew by " + r.rss().grewMib() + " MiB");
    }
    assertEquals(before, vmCount(), "each example deleted its VM");
  }

  @Test
  @Order(5)
  void exportIsAPatchThatGitApplyTurnsTheHostTreeIntoTheGuests() throws Exception {
    CommandResult edit =
        booted.banger(
            "vm",
            "exec",
            "ws-exec",
            "--",
            "sh",
            "-c",
            "printf 'guest edit\\n' >> README;"
                + " head -c 3000 /dev/urandom > blob.bin; rm src/run.sh; printf '#!/bin/sh\\n' > tool.sh; chmod +x tool.sh;"
                + " git diff --cached --name-only");
    assertEquals(0, edit.exitCode(), edit.stderrText());
    assertEquals("", edit.stdoutText(), "nothing staged in the guest");
    Path patch = booted.state.resolve("checkout/guest.patch");
    CommandResult export =
        booted.banger("vm", "workspace", "export", "ws-exec", "-o", patch.toString());
    assertEquals(0, export.exitCode(), export.stderrText());
    assertTrue(
        Files.readString(patch, java.nio.charset.StandardCharsets.ISO_8859_1)
            .contains("GIT binary patch"),
        "binary-safe: the random file is in it");
    CommandResult staged =
        booted.banger("vm", "exec", "ws-exec", "--", "git", "diff", "--cached", "--name-only");
    assertEquals("", staged.stdoutText(), "export did not touch the guest's index");

    Path clone = booted.state.resolve("checkout/clone");
    VmStack.RUN.check(Command.of("git", "clone", "-q", repo.toString(), clone.toString()).build());
    CommandResult apply =
        VmStack.RUN.run(
            Command.of("git", "-C", clone.toString(), "apply", "--binary", patch.toString())
                .build());
    assertEquals(0, apply.exitCode(), apply.stderrText());
    String host =
        VmStack.RUN.run(Command.of("sh", "-c", TREE).workingDirectory(clone).build()).stdoutText();
    String guest = booted.banger("vm", "exec", "ws-exec", "--", "sh", "-c", TREE).stdoutText();
    assertEquals(guest, host, "the host's tree after git apply is the guest's");
    assertTrue(
        host.contains("755 ") && host.contains(" ./tool.sh") && !host.contains("run.sh"), host);
  }

  @Test
  @Order(6)
  void portsListsWhatTheGuestListensOnAndLinksHttp() throws Exception {
    String server =
        "nohup perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5,"
            + " ReuseAddr => 1) or die; while ($c = $s->accept) { <$c>; print $c \"HTTP/1.0 200 OK\\r\\n\\r\\nhi\\n\"; close $c }'"
            + " >/dev/null 2>&1 < /dev/null & sleep 1";
    assertEquals(0, booted.banger("vm", "exec", "ws-exec", "--", "sh", "-c", server).exitCode());
    CommandResult ports = booted.banger("vm", "ports", "ws-exec", "-o", "json");
    assertEquals(0, ports.exitCode(), ports.stderrText());
    var rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ports.stdoutText());
    boolean ssh = false;
    boolean http = false;
    for (var r : rows) {
      if (r.get("port").asInt() == 22 && r.get("proto").asText().equals("tcp")) {
        ssh = true;
        assertEquals("", r.get("url").asText(), "sshd does not speak HTTP");
        assertEquals("ws-exec.vm:22", r.get("endpoint").asText());
      }
      if (r.get("port").asInt() == 8080) {
        http = true;
        assertEquals("http://ws-exec.vm:8080/", r.get("url").asText());
        assertEquals("perl", r.get("process").asText());
      }
    }
    assertTrue(ssh && http, ports.stdoutText());
    CommandResult table = booted.banger("vm", "ports", "ws-exec");
    assertTrue(
        table.stdoutText().contains("ws-exec.vm:8080")
            && table.stdoutText().contains("http://ws-exec.vm:8080/"),
        table.stdoutText());
  }

  @Test
  @Order(7)
  void cpCopiesBothWaysRecursivelyWithModes() throws Exception {
    Path up = Files.createDirectories(booted.state.resolve("checkout/up/tree/sub"));
    Path tool = Files.writeString(up.resolve("tool"), "#!/bin/sh\necho tool\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-x---"));
    Files.writeString(up.resolve("../plain.txt"), "plain\n");
    CommandResult put =
        booted.banger(
            "vm", "cp", booted.state.resolve("checkout/up/tree").toString(), "ws-exec:/root/in");
    assertEquals(0, put.exitCode(), put.stderrText());
    CommandResult there =
        booted.banger(
            "vm",
            "exec",
            "ws-exec",
            "--guest-path",
            "/root/in",
            "--",
            "sh",
            "-c",
            "stat -c '%a %n' plain.txt sub/tool; sub/tool");
    assertEquals("644 plain.txt\n750 sub/tool\ntool\n", there.stdoutText(), there.stderrText());

    Path down = Files.createDirectories(booted.state.resolve("checkout/down"));
    CommandResult get =
        booted.banger("vm", "cp", "ws-exec:/root/in/sub", "ws-exec:/etc/hostname", down.toString());
    assertEquals(0, get.exitCode(), get.stderrText());
    assertEquals("ws-exec\n", Files.readString(down.resolve("hostname")));
    assertEquals(
        "rwxr-x---",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(down.resolve("sub/tool"))));
    CommandResult both = booted.banger("vm", "cp", "ws-exec:/etc/hostname", "ws-exec:/root/x");
    assertEquals(2, both.exitCode(), "one side must be the host");
    assertEquals(0, booted.banger("vm", "delete", "--force", "ws-exec").exitCode());
  }

  @Test
  @Order(8)
  void badInputIsOneSentenceAndLeavesNoVm() throws Exception {
    Path plain = Files.createDirectories(booted.state.resolve("checkout/plain"));
    Path bare = booted.state.resolve("checkout/bare.git");
    VmStack.RUN.check(Command.of("git", "init", "-q", "--bare", bare.toString()).build());
    Path sub = Files.createDirectories(booted.state.resolve("checkout/sub"));
    VmStack.RUN.check(Command.of("git", "-C", sub.toString(), "init", "-q").build());
    Files.writeString(sub.resolve(".gitmodules"), "[submodule \"x\"]\n\tpath = x\n\turl = ../x\n");
    // Every one is a request the CLI or the service calls malformed: a usage error, exit 2.
    record Case(List<String> args, int code, String says) {}
    List<Case> cases =
        List.of(
            new Case(
                List.of(booted.state.resolve("checkout/missing").toString()), 2, "does not exist"),
            new Case(List.of(plain.toString()), 2, "is not inside a git work tree"),
            new Case(List.of(bare.toString()), 2, "is a bare git repository"),
            new Case(List.of(sub.toString()), 2, "has git submodules"),
            new Case(List.of(repo.toString(), "--guest-path", "/etc/x"), 2, "must be below /root"),
            new Case(
                List.of(repo.toString(), "--guest-path", "/root/../etc"), 2, "must be below /root"),
            new Case(List.of(repo.toString(), "--branch", "a;b"), 2, "is not a branch name"),
            new Case(
                List.of(repo.toString(), "--from", "main"), 2, "--from REF needs --branch NAME"));
    for (Case c : cases) {
      List<String> argv = new ArrayList<>(List.of("vm", "run"));
      argv.addAll(c.args());
      argv.addAll(List.of("--rm", "--", "true"));
      CommandResult r = booted.banger(argv.toArray(String[]::new));
      assertEquals(c.code(), r.exitCode(), c + ": " + r.stderrText());
      assertTrue(r.stderrText().contains(c.says()), c + ": " + r.stderrText());
      assertEquals(
          1, r.stderrText().lines().filter(l -> l.startsWith("banger: ")).count(), r.stderrText());
    }
    assertEquals(0, vmCount(), "no VM was made for bad input");
  }
}
