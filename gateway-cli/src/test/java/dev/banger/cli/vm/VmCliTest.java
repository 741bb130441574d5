package dev.banger.cli.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliHarness;
import dev.banger.cli.Confirm;
import dev.banger.cli.ShellQuote;
import dev.banger.cli.Sizes;
import dev.banger.kit.grpc.KitServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger vm …} against a VmService double on a real Unix socket: parsing, output, errors,
 * exit codes.
 */
class VmCliTest {

  @TempDir Path dir;
  FakeVmService fake;
  KitServer server;

  @BeforeEach
  void serve() throws Exception {
    fake = new FakeVmService();
    server = CliHarness.serve(dir, "vm", fake);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  CliHarness.Result run(String... args) {
    return CliHarness.run(dir, args);
  }

  @Test
  void createSendsTheSpecShowsProgressAsLinesAndPrintsTheName() {
    CliHarness.Result r =
        run(
            "vm",
            "create",
            "--name",
            "dev",
            "--vcpu",
            "4",
            "--memory",
            "2G",
            "--disk-size",
            "16G",
            "--image",
            "debian-bookworm");
    assertEquals(0, r.code(), r.err());
    assertEquals("dev\n", r.out());
    assertTrue(
        r.err().contains("[1/3] resolve-image") && r.err().contains("ssh-ready"),
        "plain progress lines: " + r.err());
    CreateVmRequest req = assertInstanceOf(CreateVmRequest.class, fake.requests.getFirst());
    assertEquals(4, req.getSpec().getVcpu());
    assertEquals(2048, req.getSpec().getMemoryMib());
    assertEquals(16L << 30, req.getSpec().getWorkDiskBytes());
    assertEquals("debian-bookworm", req.getImage());
    assertTrue(!req.getRequestId().isEmpty(), "a request id makes a retry idempotent");
    // Recorded, then started: the CLI knows the VM before its boot, so Ctrl-C can undo it.
    assertTrue(req.getNoStart());
    assertEquals(
        fake.vms.get("dev").getId(),
        assertInstanceOf(dev.banger.api.vm.v1.StartVmRequest.class, fake.requests.get(1)).getVm());
    assertEquals(2, fake.requests.size());
    assertEquals("", run("vm", "create", "-q", "--name", "quiet").err(), "-q: no progress");
    fake.requests.clear();
    assertEquals(0, run("vm", "create", "-q", "--no-start", "--name", "later").code());
    assertEquals(1, fake.requests.size(), "--no-start only records");
  }

  @Test
  void pruneAsksAPersonFirstAndAScriptNot() {
    fake.vms.put("up", FakeVmService.vm("up", VmState.VM_STATE_RUNNING, "172.16.0.2"));
    fake.vms.put("old", FakeVmService.vm("old", VmState.VM_STATE_STOPPED, ""));
    fake.vms.put("bad", FakeVmService.vm("bad", VmState.VM_STATE_ERROR, ""));
    var interactive = Confirm.interactive;
    var answers = Confirm.answers;
    try {
      Confirm.interactive = () -> true;
      Confirm.answers = new java.io.BufferedReader(new java.io.StringReader("n\ny\n"));
      CliHarness.Result no = run("vm", "prune");
      assertEquals(1, no.code());
      assertEquals(
          "delete 2 VM(s) not running (bad, old) and their disks? [y/N] banger: nothing deleted\n",
          no.err());
      assertEquals(3, fake.vms.size(), "nothing deleted");
      CliHarness.Result yes = run("vm", "prune");
      assertEquals(0, yes.code(), yes.err());
      assertEquals("bad deleted\nold deleted\n", yes.out());
      fake.vms.put("old", FakeVmService.vm("old", VmState.VM_STATE_STOPPED, ""));
      CliHarness.Result forced = run("vm", "prune", "-f");
      assertEquals("old deleted\n", forced.out());
      assertEquals("", forced.err(), "-f: no question");
      Confirm.interactive = () -> false;
      fake.vms.put("old", FakeVmService.vm("old", VmState.VM_STATE_STOPPED, ""));
      assertEquals("old deleted\n", run("vm", "prune").out(), "stdin not a terminal: no question");

      // Another user's VM and one from before owners were kept: named, kept, until --all.
      fake.vms.put(
          "bobs",
          FakeVmService.vm("bobs", VmState.VM_STATE_STOPPED, "").toBuilder()
              .setOwnerUid(4242)
              .build());
      fake.vms.put(
          "legacy",
          FakeVmService.vm("legacy", VmState.VM_STATE_ERROR, "").toBuilder()
              .clearOwnerUid()
              .build());
      Confirm.interactive = () -> true;
      CliHarness.Result none = run("vm", "prune");
      assertEquals(0, none.code(), none.err());
      assertEquals(
          "kept 2 VM(s) not yours (bobs, legacy); --all deletes them too\n",
          none.err(),
          "no question");
      Confirm.answers = new java.io.BufferedReader(new java.io.StringReader("y\n"));
      CliHarness.Result every = run("vm", "prune", "--all");
      assertEquals("bobs deleted\nlegacy deleted\n", every.out());
      assertTrue(every.err().startsWith("delete 2 VM(s) not running (bobs, legacy)"), every.err());
      assertEquals(
          true, ((dev.banger.api.vm.v1.PruneVmsRequest) fake.requests.getLast()).getAllOwners());
    } finally {
      Confirm.interactive = interactive;
      Confirm.answers = answers;
    }
  }

  @Test
  void cpSaysItsUsageInOneReadableLine() {
    assertTrue(
        run("vm", "cp", "--help")
            .out()
            .startsWith("Usage: banger vm cp [-hV] [--debug] SRC... DST\n"),
        run("vm", "cp", "--help").out());
  }

  @Test
  void listQuietPrintsNamesOnly() {
    fake.vms.put("b", FakeVmService.vm("b", VmState.VM_STATE_STOPPED, ""));
    fake.vms.put("a", FakeVmService.vm("a", VmState.VM_STATE_RUNNING, "172.16.0.2"));
    CliHarness.Result q = run("vm", "ls", "-q");
    assertEquals(0, q.code(), q.err());
    assertEquals(2, q.out().lines().count());
    assertTrue(q.out().lines().allMatch(l -> l.equals("a") || l.equals("b")), q.out());
  }

  @Test
  void listAndShowInTableAndJson() throws Exception {
    fake.vms.put("a", FakeVmService.vm("a", VmState.VM_STATE_RUNNING, "172.16.0.2"));
    fake.vms.put("b", FakeVmService.vm("b", VmState.VM_STATE_STOPPED, ""));
    CliHarness.Result table = run("vm", "ps");
    assertEquals(0, table.code(), table.err());
    assertTrue(
        table
            .out()
            .lines()
            .findFirst()
            .orElseThrow()
            .matches("NAME\\s+STATE\\s+IP\\s+VCPU\\s+MEMORY\\s+DISK\\s+ID"),
        table.out());
    assertTrue(
        table
            .out()
            .matches("(?s).*\\ba\\s+running\\s+172\\.16\\.0\\.2\\s+2\\s+1\\.0 GiB\\s+8\\.0 GiB.*"),
        table.out());
    assertTrue(table.out().matches("(?s).*\\bb\\s+stopped\\s+-\\s.*"), table.out());
    JsonNode json = new ObjectMapper().readTree(run("vm", "list", "-o", "json").out());
    assertEquals(2, json.size());
    assertEquals("a", json.get(0).get("name").asText());
    assertEquals("running", json.get(0).get("state").asText());
    assertEquals(1024, json.get(0).get("spec").get("memory_mib").asInt());
    run("vm", "ls", "--state", "stopped");
    assertEquals(VmState.VM_STATE_STOPPED, ((ListVmsRequest) fake.requests.getLast()).getState());
    assertEquals(2, run("vm", "ls", "--state", "sleepy").code());
    assertEquals(2, run("vm", "ls", "-o", "yaml").code());
    List<String> jsonl = run("vm", "ls", "-o", "jsonl").out().lines().toList();
    assertEquals(2, jsonl.size(), "one VM per line");
    assertEquals("b", new ObjectMapper().readTree(jsonl.get(1)).get("name").asText());
    CliHarness.Result show = run("vm", "show", "a");
    assertTrue(
        show.out().contains("state:    running") && show.out().contains("(a.vm)"), show.out());
    assertEquals(
        "b",
        new ObjectMapper()
            .readTree(run("vm", "show", "b", "-o", "json").out())
            .get("name")
            .asText());
  }

  @Test
  void setSendsTheSizesAndSaysTheNewSpec() {
    fake.vms.put(
        "s",
        dev.banger.api.vm.v1.Vm.newBuilder()
            .setName("s")
            .setState(VmState.VM_STATE_STOPPED)
            .setSpec(
                dev.banger.api.vm.v1.VmSpec.newBuilder()
                    .setVcpu(1)
                    .setMemoryMib(512)
                    .setWorkDiskBytes(1L << 30))
            .build());
    CliHarness.Result r = run("vm", "set", "s", "--disk-size", "4G", "--memory", "1G");
    assertEquals(0, r.code(), r.err());
    assertEquals("s: 1 vCPU, 1.0 GiB, work disk 4.0 GiB\n", r.out());
    var sent = (dev.banger.api.vm.v1.SetVmRequest) fake.requests.getLast();
    assertEquals(4L << 30, sent.getWorkDiskBytes());
    assertEquals(1024, sent.getMemoryMib());
    assertEquals(0, sent.getVcpu(), "not given: kept");
    assertEquals(2, run("vm", "set", "s").code(), "nothing to change is a usage error");
    assertEquals(2, run("vm", "set", "s", "--disk-size", "lots").code());
  }

  @Test
  void errorsAreOneSentenceWithTheFixAndExitOne() {
    CliHarness.Result r = run("vm", "show", "ghost");
    assertEquals(1, r.code());
    assertEquals("banger: vm \"ghost\" not found — see 'banger vm list'\n", r.err());
    CliHarness.Result debug = run("--debug", "vm", "show", "ghost");
    assertTrue(debug.err().contains("status NOT_FOUND, reason VM_NOT_FOUND"), debug.err());
    assertEquals(2, run("vm", "show").code(), "a missing argument is a usage error");
    assertEquals(2, run("vm", "create", "--disk-size", "lots").code());
    CliHarness.Result zeroCpus = run("vm", "create", "--vcpu", "0");
    assertEquals(2, zeroCpus.code());
    assertEquals("banger: --vcpu must be 1..64, got 0\n", zeroCpus.err());
    assertEquals(2, run("vm", "run", "--vcpu", "65", "--", "true").code());
    assertEquals(2, run("vm", "create", "--memory", "0").code());
    assertEquals(2, run("vm", "create", "--disk-size", "0").code());
  }

  @Test
  void pauseAndResumeNameTheNewStateAndAStoppedVmFails() {
    fake.vms.put("a", FakeVmService.vm("a", VmState.VM_STATE_RUNNING, "172.16.0.2"));
    fake.vms.put("b", FakeVmService.vm("b", VmState.VM_STATE_RUNNING, "172.16.0.3"));
    fake.vms.put("off", FakeVmService.vm("off", VmState.VM_STATE_STOPPED, ""));
    CliHarness.Result p = run("vm", "pause", "a", "b");
    assertEquals(0, p.code(), p.err());
    assertEquals("a paused\nb paused\n", p.out());
    assertTrue(run("vm", "list").out().contains("paused"), "the table shows it as it is named");
    CliHarness.Result r = run("vm", "resume", "a", "off");
    assertEquals(1, r.code());
    assertEquals("a running\n", r.out());
    assertTrue(r.err().contains("vm \"off\" is"), r.err());
    assertEquals(2, run("vm", "pause").code(), "a VM name is required");
  }

  @Test
  void manyNamesFanOutAndEachFailureIsReported() {
    fake.vms.put("a", FakeVmService.vm("a", VmState.VM_STATE_RUNNING, "172.16.0.2"));
    fake.vms.put("b", FakeVmService.vm("b", VmState.VM_STATE_RUNNING, "172.16.0.3"));
    CliHarness.Result r = run("vm", "stop", "a", "ghost", "b", "--timeout", "5");
    assertEquals(1, r.code(), "one of three failed");
    assertEquals("a stopped\nb stopped\n", r.out());
    assertTrue(r.err().contains("vm \"ghost\" not found"), r.err());
    assertEquals(3, fake.requests.stream().filter(StopVmRequest.class::isInstance).count());
    assertTrue(
        fake.requests.stream()
            .filter(StopVmRequest.class::isInstance)
            .allMatch(q -> ((StopVmRequest) q).getTimeoutSeconds() == 5));
    CliHarness.Result rm = run("vm", "rm", "a", "b");
    assertEquals(0, rm.code(), rm.err());
    assertTrue(fake.vms.isEmpty());
  }

  @Test
  void workspacePrepareAndExecParseAndSayWhatIsMissing() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("repo"));
    CliHarness.Result dry =
        run("vm", "workspace", "prepare", "dev", dir.resolve("repo").toString(), "--dry-run");
    assertEquals(0, dry.code(), dry.err());
    assertEquals(".git\nREADME\n", dry.out());
    assertTrue(dry.err().contains("2 entries, 10 B would go to /root/repo"), dry.err());
    var req = (dev.banger.api.vm.v1.PrepareWorkspaceRequest) fake.requests.getLast();
    assertEquals(
        dir.resolve("repo").toString(), req.getHostPath(), "made absolute for the service");
    fake.requests.clear();
    CliHarness.Result runDry = run("vm", "run", dir.resolve("repo").toString(), "--dry-run");
    assertEquals(0, runDry.code(), runDry.err());
    assertEquals(".git\nREADME\n", runDry.out(), "vm run PATH --dry-run lists, as prepare does");
    assertTrue(
        fake.requests.stream().noneMatch(CreateVmRequest.class::isInstance), "and makes no VM");
    assertEquals(2, run("vm", "run", "--dry-run").code(), "--dry-run needs a PATH");
    assertEquals(2, run("vm", "exec", "dev").code(), "exec needs a command");
    assertEquals(1, run("vm", "exec", "ghost", "--", "true").code());
    assertEquals(0, run("vm", "create", "-q", "--name", "dev").code());
    CliHarness.Result none = run("vm", "exec", "dev", "--", "true");
    assertEquals(1, none.code());
    assertTrue(
        none.err()
            .contains(
                "vm \"dev\" has no workspace — copy one in with 'banger vm workspace prepare dev"
                    + " PATH'"),
        none.err());
  }

  @Test
  void cpNeedsTheHostOnExactlyOneSide() {
    assertEquals(new VmCpCommand.Side("dev", "/root/a:b"), VmCpCommand.side("dev:/root/a:b"));
    assertEquals(
        new VmCpCommand.Side(null, "./dev:x"),
        VmCpCommand.side("./dev:x"),
        "a host path with a colon");
    assertEquals(
        new VmCpCommand.Side(null, "dev:relative"),
        VmCpCommand.side("dev:relative"),
        "guest paths are absolute");
    CliHarness.Result hostOnly = run("vm", "cp", "a", "b");
    assertEquals(2, hostOnly.code());
    assertTrue(hostOnly.err().contains("copies between the host and one VM"), hostOnly.err());
    assertEquals(2, run("vm", "cp", "x:/a", "y:/b").code());
    assertEquals(2, run("vm", "cp", "x:/a", "y:/b", "./here").code(), "sources from one VM");
    CliHarness.Result ghost = run("vm", "cp", "ghost:/etc/hostname", dir.toString());
    assertEquals(1, ghost.code());
    assertTrue(ghost.err().contains("vm \"ghost\" not found"), ghost.err());
  }

  @Test
  void runChecksItsPathBeforeAnyVmAndKeepsAFailedVm() throws Exception {
    CliHarness.Result missing =
        run("vm", "run", dir.resolve("nope").toString(), "--", "make", "test");
    assertEquals(2, missing.code());
    assertTrue(
        missing.err().contains("workspace path " + dir.resolve("nope") + " does not exist"),
        missing.err());
    assertTrue(fake.requests.isEmpty(), "nothing was asked");
    java.nio.file.Files.createDirectories(dir.resolve("bad"));
    CliHarness.Result notGit = run("vm", "run", dir.resolve("bad").toString(), "--", "true");
    assertEquals(2, notGit.code(), "a request the service calls malformed is a usage error");
    assertTrue(notGit.err().contains("is not inside a git work tree"), notGit.err());
    assertTrue(
        fake.requests.stream().noneMatch(CreateVmRequest.class::isInstance),
        "the dry run came first: no VM");
    CliHarness.Result twoPaths = run("vm", "run", "a", "b", "--", "true");
    assertEquals(2, twoPaths.code());
    assertTrue(twoPaths.err().contains("vm run takes one PATH before --"), twoPaths.err());
    assertEquals(
        2,
        run("vm", "run", "--guest-path", "/root/x", "--", "true").code(),
        "--guest-path needs a PATH");
    CliHarness.Result detachedWithCommand = run("vm", "run", "-d", "--", "true");
    assertEquals(2, detachedWithCommand.code());
    CliHarness.Result failed = run("vm", "run", "--rm", "--name", "broken", "--", "true");
    assertEquals(1, failed.code());
    assertTrue(
        failed.err().contains("kept vm \"broken\" for inspection: 'banger vm logs broken'"),
        failed.err());
    assertTrue(fake.vms.containsKey("broken"), "--rm does not delete a VM whose start failed");
    CliHarness.Result detached = run("vm", "run", "-d", "-q", "--name", "bg");
    assertEquals("bg\n", detached.out());
  }

  @Test
  void logsStreamTheConsoleAndSshNeedsARunningVm() {
    fake.vms.put("a", FakeVmService.vm("a", VmState.VM_STATE_STOPPED, ""));
    CliHarness.Result logs = run("vm", "logs", "a", "--tail", "50");
    assertEquals("Linux version 6.1\n", logs.out(), logs.err());
    assertEquals(
        50, ((dev.banger.api.vm.v1.GetVmLogsRequest) fake.requests.getLast()).getTailLines());
    CliHarness.Result ssh = run("vm", "ssh", "a", "--", "true");
    assertEquals(1, ssh.code());
    assertEquals("banger: vm \"a\" is stopped — start it with 'banger vm start a'\n", ssh.err());
    fake.vms.put("p", FakeVmService.vm("p", VmState.VM_STATE_PAUSED, "172.16.0.9"));
    assertEquals(
        "banger: vm \"p\" is paused — resume it with 'banger vm resume p'\n",
        run("vm", "ssh", "p", "--", "true").err());
  }

  @Test
  void remoteCommandsArriveAsTheSameWords() {
    assertEquals("sh -c 'exit 7'", ShellQuote.join(List.of("sh", "-c", "exit 7")));
    assertEquals(
        "echo 'it'\\''s' '' '$HOME' a=b",
        ShellQuote.join(List.of("echo", "it's", "", "$HOME", "a=b")));
    assertEquals(512L << 20, Sizes.bytes("--memory", "512M"));
    assertEquals(3L << 29, Sizes.bytes("--memory", "1.5GiB"));
    assertEquals("1.5 GiB", Sizes.human(3L << 29));
  }
}
