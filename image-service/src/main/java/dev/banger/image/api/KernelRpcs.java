package dev.banger.image.api;

import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.DeleteKernelResponse;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.GetKernelResponse;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import dev.banger.api.image.v1.PullKernelRequest;
import dev.banger.api.image.v1.PullKernelResponse;
import dev.banger.image.app.KernelImport;
import dev.banger.image.app.KernelLibrary;
import dev.banger.image.app.KernelPull;
import dev.banger.image.app.Page;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel RPCs, which {@link ImageGrpcService} delegates to: argument checks and proto mapping
 * around {@link KernelLibrary}.
 */
final class KernelRpcs {

  private static final Logger LOG = LoggerFactory.getLogger(KernelRpcs.class);

  private final KernelLibrary kernels;
  private final KernelPull pull;
  private final KernelRequests.Host host;
  private final OperationRegistry ops;

  KernelRpcs(
      KernelLibrary kernels, KernelPull pull, KernelRequests.Host host, OperationRegistry ops) {
    this.kernels = kernels;
    this.pull = pull;
    this.host = host;
    this.ops = ops;
  }

  void importKernel(ImportKernelRequest req, StreamObserver<ImportKernelResponse> obs) {
    KernelImport.Request request;
    try {
      request = KernelRequests.of(req, host);
      kernels.refuseExisting(request.name());
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<ImportKernelResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getImportKernelMethod().getFullMethodName(),
            "kernels/" + request.name(),
            req.getRequestId(),
            obs,
            KernelImport.STAGES,
            p -> ImportKernelResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    try {
      // Answered once the kernel's lock is released: a client that deletes it at once must not
      // find it busy.
      Kernel kernel =
          ImageProtos.kernel(
              kernels.importKernel(request, progress.listener(), progress.cancelled()));
      progress.succeed(kernel, ImportKernelResponse.newBuilder().setKernel(kernel).build());
    } catch (Throwable t) {
      progress.fail(t, LOG, "import of kernel " + request.name());
    }
  }

  void pullKernel(PullKernelRequest req, StreamObserver<PullKernelResponse> obs) {
    KernelPull.Request request = new KernelPull.Request(req.getEntry(), req.getName());
    String name = request.kernelName();
    try {
      ImageRequests.requestId(req.getRequestId());
      pull.suite(request.entry());
      ImageRequests.name("name", name);
      kernels.refuseExisting(name);
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<PullKernelResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getPullKernelMethod().getFullMethodName(),
            "kernels/" + name,
            req.getRequestId(),
            obs,
            KernelPull.stages(),
            p -> PullKernelResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    try {
      Kernel kernel =
          ImageProtos.kernel(pull.run(request, progress.listener(), progress.cancelled()));
      progress.succeed(kernel, PullKernelResponse.newBuilder().setKernel(kernel).build());
    } catch (Throwable t) {
      progress.fail(t, LOG, "pull of kernel " + name);
    }
  }

  ListKernelsResponse list(ListKernelsRequest req) {
    Page<KernelStore.KernelRow> page =
        kernels.list(req.getPageToken(), Page.size(req.getPageSize()));
    ListKernelsResponse.Builder b =
        ListKernelsResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.rows().forEach(r -> b.addKernels(ImageProtos.kernel(r)));
    return b.build();
  }

  GetKernelResponse get(GetKernelRequest req) {
    return GetKernelResponse.newBuilder()
        .setKernel(ImageProtos.kernel(kernels.find(req.getKernel())))
        .build();
  }

  DeleteKernelResponse delete(DeleteKernelRequest req) {
    ImageRequests.requestId(req.getRequestId());
    kernels.delete(req.getKernel(), req.getForce());
    return DeleteKernelResponse.getDefaultInstance();
  }
}
