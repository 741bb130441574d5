package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.GetFilesRequest;
import dev.banger.api.vm.v1.GetFilesResponse;
import dev.banger.api.vm.v1.PutFilesRequest;
import dev.banger.api.vm.v1.PutFilesResponse;
import dev.banger.api.vm.v1.PutFilesStart;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.exec.GuestExec;
import dev.banger.vm.app.exec.GuestFiles;
import dev.banger.vm.app.exec.TarGateTest;
import dev.banger.vm.fakes.LocalShellGuest;
import dev.banger.vm.store.VmState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PutFiles and GetFiles over a real gRPC stream, against a guest whose shell and tar are this
 * host's: a tree goes in and comes back byte for byte; an escaping entry writes nothing.
 */
class FilesCallTest {

  @TempDir Path dir;
  AppHarness h;
  Server server;
  ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir.resolve("state"));
    h.recordVmWithAddress("box", VmState.RUNNING);
    GuestFiles files = new GuestFiles(new GuestExec(new VmLookup(h.store), new LocalShellGuest()));
    String name = "files-" + UUID.randomUUID();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new VmServiceGrpc.VmServiceImplBase() {
                  @Override
                  public StreamObserver<PutFilesRequest> putFiles(
                      StreamObserver<PutFilesResponse> obs) {
                    return new PutFilesCall(files, obs);
                  }

                  @Override
                  public void getFiles(GetFilesRequest req, StreamObserver<GetFilesResponse> obs) {
                    GetFilesCall.run(files, req, obs);
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  PutFilesResponse put(Path target, byte[] tar) throws Exception {
    CompletableFuture<PutFilesResponse> done = new CompletableFuture<>();
    StreamObserver<PutFilesRequest> in =
        VmServiceGrpc.newStub(channel)
            .putFiles(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PutFilesResponse r) {
                    done.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    in.onNext(
        PutFilesRequest.newBuilder()
            .setStart(PutFilesStart.newBuilder().setVm("box").setDirectory(target.toString()))
            .build());
    for (int off = 0; off < tar.length; off += 4096) {
      in.onNext(
          PutFilesRequest.newBuilder()
              .setTar(ByteString.copyFrom(tar, off, Math.min(4096, tar.length - off)))
              .build());
    }
    in.onCompleted();
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  byte[] get(String path) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Iterator<GetFilesResponse> it =
        VmServiceGrpc.newBlockingStub(channel)
            .getFiles(GetFilesRequest.newBuilder().setVm("box").setPath(path).build());
    it.forEachRemaining(r -> b.writeBytes(r.getTar().toByteArray()));
    return b.toByteArray();
  }

  @Test
  void aTreeGoesInAndComesBackWhole() throws Exception {
    Path target = dir.resolve("guest/work"); // made by PutFiles, parents too
    String big = "x".repeat(300_000);
    PutFilesResponse r =
        put(
            target,
            TarGateTest.tar("d:src", "f:src/a.txt=hello", "f:src/big=" + big, "l:src/l>a.txt"));
    assertEquals(4, r.getEntries());
    assertEquals(5 + big.length(), r.getContentBytes());
    assertEquals("hello", Files.readString(target.resolve("src/a.txt")));
    assertEquals(big, Files.readString(target.resolve("src/big")));

    byte[] back = get(target.resolve("src") + "//"); // trailing slashes name the same directory
    assertEquals(
        java.util.List.of("src/", "src/a.txt", "src/big", "src/l>a.txt"),
        TarGateTest.namesOf(back).stream().sorted().toList());
  }

  @Test
  void anEscapingEntryIsRefusedByNameAndWritesNothingMore() throws Exception {
    Path target = dir.resolve("guest/t");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> put(target, TarGateTest.tar("l:evil>" + dir, "f:evil/pwned=x", "f:after=y")));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("\"evil/pwned\": it passes through \"evil\""),
        e.getStatus().getDescription());
    assertFalse(Files.exists(dir.resolve("pwned")), "nothing written through the link");
    assertFalse(Files.exists(target.resolve("after")), "nor after the refusal");
  }

  @Test
  void aMissingPathIsNotFoundAndARelativeOneInvalid() {
    StatusRuntimeException missing =
        assertThrows(StatusRuntimeException.class, () -> get(dir.resolve("nope").toString()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    StatusRuntimeException dotdot =
        assertThrows(StatusRuntimeException.class, () -> get(dir + "/a/.."));
    assertEquals(Status.Code.INVALID_ARGUMENT, dotdot.getStatus().getCode());
    StatusRuntimeException relative =
        assertThrows(StatusRuntimeException.class, () -> get("relative/path"));
    assertEquals(Status.Code.INVALID_ARGUMENT, relative.getStatus().getCode());
    assertTrue(relative.getStatus().getDescription().contains("absolute"));
  }
}
