package dev.banger.vm;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.GetFilesRequest;
import dev.banger.api.vm.v1.GetFilesResponse;
import dev.banger.vm.app.exec.GuestFiles;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;

/**
 * One GetFiles call: the guest's tar stream out, read only while the client can take more, so a
 * slow reader stops the guest at SSH's window.
 */
final class GetFilesCall {

  static final int CHUNK = 64 << 10;

  private GetFilesCall() {}

  static void run(GuestFiles files, GetFilesRequest req, StreamObserver<GetFilesResponse> obs) {
    ServerCallStreamObserver<GetFilesResponse> out =
        (ServerCallStreamObserver<GetFilesResponse>) obs;
    Object ready = new Object();
    out.setOnReadyHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
        });
    java.util.concurrent.atomic.AtomicReference<GuestFiles.Reading> reading =
        new java.util.concurrent.atomic.AtomicReference<>();
    out.setOnCancelHandler(
        () -> {
          synchronized (ready) {
            ready.notifyAll();
          }
          // A reader blocked in read() would wait for the guest's next bytes: kill its tar now.
          GuestFiles.Reading r = reading.get();
          if (r != null) {
            Thread.ofVirtual()
                .start(
                    () -> {
                      r.abandon();
                      r.close();
                    });
          }
        });
    Thread.ofVirtual()
        .name("get-files")
        .start(
            () -> {
              try (GuestFiles.Reading r = files.get(req.getVm(), req.getPath())) {
                reading.set(r);
                if (out.isCancelled()) {
                  r.abandon();
                  return;
                }
                InputStream tar = r.tar();
                byte[] buf = new byte[CHUNK];
                while (true) {
                  synchronized (ready) {
                    while (!out.isReady() && !out.isCancelled()) {
                      ready.wait(100);
                    }
                  }
                  if (out.isCancelled()) {
                    r.abandon();
                    return;
                  }
                  int n = tar.read(buf);
                  if (n < 0) {
                    break;
                  }
                  out.onNext(
                      GetFilesResponse.newBuilder().setTar(ByteString.copyFrom(buf, 0, n)).build());
                }
                r.finish();
                out.onCompleted();
              } catch (Exception e) {
                if (!out.isCancelled()) {
                  out.onError(VmErrors.toStatus(e));
                }
              }
            });
  }
}
