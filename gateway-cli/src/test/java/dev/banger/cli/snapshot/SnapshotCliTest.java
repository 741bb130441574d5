package dev.banger.cli.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.banger.api.common.v1.Progress;
import dev.banger.api.vm.v1.CreateSnapshotRequest;
import dev.banger.api.vm.v1.CreateSnapshotResponse;
import dev.banger.api.vm.v1.DeleteSnapshotRequest;
import dev.banger.api.vm.v1.DeleteSnapshotResponse;
import dev.banger.api.vm.v1.GetSnapshotRequest;
import dev.banger.api.vm.v1.GetSnapshotResponse;
import dev.banger.api.vm.v1.ListSnapshotsRequest;
import dev.banger.api.vm.v1.ListSnapshotsResponse;
import dev.banger.api.vm.v1.Snapshot;
import dev.banger.api.vm.v1.SnapshotServiceGrpc;
import dev.banger.cli.CliHarness;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.KitServer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger snapshot …} against a fake SnapshotService on a real vm socket. */
class SnapshotCliTest {

  /** Keeps snapshots by name; refuses what vm-service refuses in the cases the CLI shows. */
  static final class Fake extends SnapshotServiceGrpc.SnapshotServiceImplBase {
    final Map<String, Snapshot> snapshots = new TreeMap<>();
    final List<Object> requests = new ArrayList<>();

    @Override
    public void createSnapshot(
        CreateSnapshotRequest req, StreamObserver<CreateSnapshotResponse> obs) {
      requests.add(req);
      if (!req.getVm().equals("dev")) {
        obs.onError(
            Errors.of(
                Status.NOT_FOUND.withDescription("vm \"" + req.getVm() + "\" not found"),
                "VM_NOT_FOUND",
                Map.of("vm", req.getVm())));
        return;
      }
      String[] stages = {"pause", "copy-disks", "save-state", "record", "resume"};
      for (int i = 0; i < stages.length; i++) {
        obs.onNext(
            CreateSnapshotResponse.newBuilder()
                .setProgress(
                    Progress.newBuilder()
                        .setStage(stages[i])
                        .setMessage(stages[i] + " of dev")
                        .setStageIndex(i + 1)
                        .setStageCount(stages.length))
                .build());
      }
      Snapshot s =
          Snapshot.newBuilder()
              .setId("3f0c0000-0000-4000-8000-000000000001")
              .setName(req.getName())
              .setVmName("dev")
              .setVcpu(2)
              .setMemoryMib(1024)
              .setStateBytes(300L << 20)
              .setDiskBytes(9L << 30)
              .build();
      snapshots.put(s.getName(), s);
      obs.onNext(CreateSnapshotResponse.newBuilder().setSnapshot(s).build());
      obs.onCompleted();
    }

    @Override
    public void listSnapshots(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> obs) {
      obs.onNext(ListSnapshotsResponse.newBuilder().addAllSnapshots(snapshots.values()).build());
      obs.onCompleted();
    }

    @Override
    public void getSnapshot(GetSnapshotRequest req, StreamObserver<GetSnapshotResponse> obs) {
      Snapshot s = snapshots.get(req.getSnapshot());
      if (s == null) {
        obs.onError(notFound(req.getSnapshot()));
        return;
      }
      obs.onNext(GetSnapshotResponse.newBuilder().setSnapshot(s).build());
      obs.onCompleted();
    }

    @Override
    public void deleteSnapshot(
        DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> obs) {
      requests.add(req);
      if (snapshots.remove(req.getSnapshot()) == null) {
        obs.onError(notFound(req.getSnapshot()));
        return;
      }
      obs.onNext(DeleteSnapshotResponse.getDefaultInstance());
      obs.onCompleted();
    }

    static io.grpc.StatusRuntimeException notFound(String ref) {
      return Errors.of(
          Status.NOT_FOUND.withDescription("snapshot \"" + ref + "\" not found"),
          "SNAPSHOT_NOT_FOUND",
          Map.of("snapshot", ref));
    }
  }

  @TempDir Path dir;
  Fake fake;
  KitServer server;

  @BeforeEach
  void serve() throws Exception {
    fake = new Fake();
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
  void createShowsTheStagesAndPrintsTheName() {
    CliHarness.Result r = run("snapshot", "create", "dev", "--name", "warm");
    assertEquals(0, r.code(), r.err());
    assertEquals("warm\n", r.out());
    assertTrue(r.err().contains("[1/5] pause of dev") && r.err().contains("[5/5] resume"), r.err());
    CreateSnapshotRequest req = (CreateSnapshotRequest) fake.requests.getFirst();
    assertEquals("dev", req.getVm());
    assertEquals("warm", req.getName());
    assertTrue(!req.getRequestId().isEmpty());
    assertEquals("", run("snapshot", "create", "dev", "--name", "quiet", "-q").err());
    assertEquals(2, run("snapshot", "create", "dev").code(), "--name is required");
    CliHarness.Result ghost = run("snapshot", "create", "ghost", "--name", "x");
    assertEquals(1, ghost.code());
    assertTrue(ghost.err().contains("vm \"ghost\" not found"), ghost.err());
  }

  @Test
  void listShowAndDelete() {
    run("snapshot", "create", "dev", "--name", "warm", "-q");
    CliHarness.Result table = run("snapshot", "list");
    assertTrue(table.out().startsWith("NAME"), table.out());
    assertTrue(table.out().contains("warm") && table.out().contains("300 MiB"), table.out());
    assertEquals("warm\n", run("snapshot", "ls", "-q").out());
    var json = JsonParser.parseString(run("snapshot", "list", "-o", "json").out()).getAsJsonArray();
    assertEquals("warm", json.get(0).getAsJsonObject().get("name").getAsString());
    assertEquals(
        1024, json.get(0).getAsJsonObject().get("memory_mib").getAsInt(), "numbers as numbers");
    CliHarness.Result show = run("snapshot", "show", "warm");
    assertTrue(show.out().contains("vm:       dev"), show.out());
    CliHarness.Result rm = run("snapshot", "rm", "warm", "ghost");
    assertEquals(1, rm.code(), "one of two failed");
    assertEquals("warm deleted\n", rm.out());
    assertTrue(rm.err().contains("snapshot \"ghost\" not found"), rm.err());
    assertEquals("", run("snapshot", "list", "-q").out());
  }
}
