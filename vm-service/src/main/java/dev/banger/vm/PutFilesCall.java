package dev.banger.vm;

import dev.banger.api.vm.v1.PutFilesRequest;
import dev.banger.api.vm.v1.PutFilesResponse;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.InboundBytes;
import dev.banger.vm.app.exec.GuestFiles;
import dev.banger.vm.app.exec.TarGate;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One PutFiles call: the client's tar chunks become an input stream ({@link InboundBytes}) that
 * {@link GuestFiles#put} reads at the guest's pace; more chunks are asked for only as they are
 * taken.
 */
final class PutFilesCall implements StreamObserver<PutFilesRequest> {

  static final int MAX_CHUNK = 1 << 20;

  private final GuestFiles files;
  private final ServerCallStreamObserver<PutFilesResponse> out;
  private final InboundBytes tar;
  private final AtomicBoolean ended = new AtomicBoolean();
  private boolean started;

  PutFilesCall(GuestFiles files, StreamObserver<PutFilesResponse> responses) {
    this.files = files;
    this.out = (ServerCallStreamObserver<PutFilesResponse>) responses;
    this.tar = new InboundBytes(out::request);
    out.disableAutoRequest();
    out.setOnCancelHandler(() -> tar.abort("the client cancelled PutFiles"));
    out.request(1); // the start message; the reader asks for the chunks
  }

  @Override
  public void onNext(PutFilesRequest req) {
    if (!started) {
      started = true;
      if (!req.hasStart()) {
        fail(Errors.invalidArgument("start", "the first message of PutFiles must be start"));
        return;
      }
      String vm = req.getStart().getVm();
      String dir = req.getStart().getDirectory();
      Thread.ofVirtual().name("put-files").start(() -> run(vm, dir));
      return;
    }
    if (!req.hasTar() || req.getTar().size() > MAX_CHUNK) {
      tar.abort("a message after start that is not a tar chunk of at most 1 MiB");
      fail(Errors.invalidArgument("tar", "after start come tar chunks of at most 1 MiB"));
      return;
    }
    tar.offer(req.getTar());
  }

  @Override
  public void onError(Throwable t) {
    tar.abort("the client ended the stream with an error: " + t.getMessage());
  }

  @Override
  public void onCompleted() {
    tar.end();
  }

  private void run(String vm, String dir) {
    try {
      TarGate.Copied c = files.put(vm, dir, tar);
      if (ended.compareAndSet(false, true)) {
        out.onNext(
            PutFilesResponse.newBuilder()
                .setEntries(c.entries())
                .setContentBytes(c.contentBytes())
                .build());
        out.onCompleted();
      }
    } catch (Exception e) {
      fail(VmErrors.toStatus(e));
    }
  }

  private void fail(io.grpc.StatusRuntimeException e) {
    if (ended.compareAndSet(false, true) && !out.isCancelled()) {
      out.onError(e);
    }
  }
}
