package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.ExecRequest;
import dev.banger.api.vm.v1.ExecResponse;
import dev.banger.api.vm.v1.ExecStart;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.exec.GuestExec;
import dev.banger.vm.fakes.LocalShellGuest;
import dev.banger.vm.store.VmState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Exec call over a real gRPC stream, against a guest whose shell is this host's (setsid sh):
 * separate streams, stdin, exit status, cancel and timeout killing the program's process group.
 */
class ExecCallTest {

  @TempDir Path dir;
  AppHarness h;
  LocalShellGuest guest = new LocalShellGuest();
  Server server;
  ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
    vm("box", VmState.RUNNING);
    vm("off", VmState.STOPPED);
    GuestExec exec = new GuestExec(new VmLookup(h.store), guest);
    String name = "exec-" + UUID.randomUUID();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new VmServiceGrpc.VmServiceImplBase() {
                  @Override
                  public StreamObserver<ExecRequest> exec(StreamObserver<ExecResponse> obs) {
                    return new ExecCall(exec, obs);
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    for (Process p : guest.processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  void vm(String name, VmState state) throws Exception {
    h.recordVmWithAddress(name, state);
  }

  /** What a call produced. */
  static final class Result {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Integer exit;
    String signal;
    Status status;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final CompletableFuture<Void> firstOutput = new CompletableFuture<>();
    volatile ClientCallStreamObserver<ExecRequest> call;
  }

  Result call(ExecStart start, List<ExecRequest> then) {
    Result r = new Result();
    StreamObserver<ExecRequest> req =
        VmServiceGrpc.newStub(channel)
            .exec(
                new ClientResponseObserver<ExecRequest, ExecResponse>() {
                  @Override
                  public void beforeStart(ClientCallStreamObserver<ExecRequest> c) {
                    r.call = c;
                  }

                  @Override
                  public void onNext(ExecResponse m) {
                    synchronized (r) {
                      switch (m.getKindCase()) {
                        case STDOUT -> r.stdout.writeBytes(m.getStdout().toByteArray());
                        case STDERR -> r.stderr.writeBytes(m.getStderr().toByteArray());
                        case EXIT -> {
                          r.exit =
                              m.getExit().getSignal().isEmpty() ? m.getExit().getExitCode() : null;
                          r.signal = m.getExit().getSignal();
                        }
                        default -> {}
                      }
                    }
                    r.firstOutput.complete(null);
                  }

                  @Override
                  public void onError(Throwable t) {
                    r.status = Status.fromThrowable(t);
                    r.done.complete(null);
                  }

                  @Override
                  public void onCompleted() {
                    r.status = Status.OK;
                    r.done.complete(null);
                  }
                });
    req.onNext(ExecRequest.newBuilder().setStart(start).build());
    then.forEach(req::onNext);
    return r;
  }

  static ExecStart.Builder start(String... argv) {
    return ExecStart.newBuilder().setVm("box").addAllArgv(List.of(argv));
  }

  @Test
  void stdoutAndStderrArriveApartThenTheExitStatus() throws Exception {
    Result r = call(start("sh", "-c", "echo out; echo err >&2; exit 3").build(), List.of());
    r.done.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.OK, r.status.getCode(), String.valueOf(r.status));
    assertEquals("out\n", r.stdout.toString());
    assertEquals("err\n", r.stderr.toString(), "the script's pid line is not the program's");
    assertEquals(3, r.exit);
  }

  @Test
  void stdinIsFedInOrderAndItsEndIsTheProgramsEndOfFile() throws Exception {
    byte[] chunk = new byte[256 << 10];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) ('a' + i % 26);
    }
    List<ExecRequest> in = new java.util.ArrayList<>();
    for (int i = 0; i < 32; i++) { // 8 MiB: far more than one message or one pipe holds
      in.add(ExecRequest.newBuilder().setStdin(ByteString.copyFrom(chunk)).build());
    }
    in.add(ExecRequest.newBuilder().setCloseStdin(true).build());
    Result r = call(start("sha256sum").build(), List.of());
    // The client side's own flow control: send as the server asks for more.
    java.util.Iterator<ExecRequest> it = in.iterator();
    while (it.hasNext()) {
      while (!r.call.isReady()) {
        Thread.sleep(1);
      }
      r.call.onNext(it.next());
    }
    r.done.get(30, TimeUnit.SECONDS);
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 32; i++) {
      md.update(chunk);
    }
    assertEquals(java.util.HexFormat.of().formatHex(md.digest()) + "  -\n", r.stdout.toString());
    assertEquals(0, r.exit);
  }

  @Test
  void aCancelKillsTheProgramAndEverythingItStarted() throws Exception {
    Result r =
        call(start("sh", "-c", "sleep 60 & echo started; sleep 60; wait").build(), List.of());
    r.firstOutput.get(10, TimeUnit.SECONDS);
    Process script = guest.processes.getFirst();
    // "started" comes before the second sleep is forked: wait until both sleeps exist.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (script.descendants().count() < 2 && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    List<ProcessHandle> all = new java.util.ArrayList<>(script.descendants().toList());
    all.add(script.toHandle());
    assertTrue(all.size() >= 3, "the program and its two sleeps: " + all);
    r.call.cancel("the user pressed Ctrl-C", null);
    for (ProcessHandle p : all) {
      p.onExit().get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTimeoutKillsTheProgramAndSaysSo() throws Exception {
    long t0 = System.nanoTime();
    Result r = call(start("sleep", "60").setTimeoutSeconds(1).build(), List.of());
    r.done.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, r.status.getCode(), String.valueOf(r.status));
    assertTrue(r.status.getDescription().contains("timeout of 1 s"), r.status.getDescription());
    assertTrue(guest.processes.getFirst().waitFor(5, TimeUnit.SECONDS), "sleep is killed");
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000);
  }

  @Test
  void refusalsComeBeforeAnythingRuns() throws Exception {
    Result stopped = call(start("true").setVm("off").build(), List.of());
    stopped.done.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.FAILED_PRECONDITION, stopped.status.getCode());
    assertTrue(stopped.status.getDescription().contains("running VM"), stopped.status.toString());

    Result missing = call(start("true").setVm("ghost").build(), List.of());
    missing.done.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.NOT_FOUND, missing.status.getCode());

    Result badEnv = call(start("true").putEnv("A-B", "x").build(), List.of());
    badEnv.done.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.INVALID_ARGUMENT, badEnv.status.getCode());
    assertTrue(badEnv.status.getDescription().contains("env name"), badEnv.status.toString());

    Result noProgram = call(start("no-such-program-x").build(), List.of());
    noProgram.done.get(10, TimeUnit.SECONDS);
    assertEquals(127, noProgram.exit);
    assertEquals(
        "banger: no program \"no-such-program-x\" in the VM\n", noProgram.stderr.toString());
    assertEquals(1, guest.processes.size(), "only the last one reached the guest");
  }
}
