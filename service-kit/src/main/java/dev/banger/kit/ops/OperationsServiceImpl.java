package dev.banger.kit.ops;

import dev.banger.api.common.v1.CancelOperationRequest;
import dev.banger.api.common.v1.CancelOperationResponse;
import dev.banger.api.common.v1.GetOperationRequest;
import dev.banger.api.common.v1.GetOperationResponse;
import dev.banger.api.common.v1.ListOperationsRequest;
import dev.banger.api.common.v1.ListOperationsResponse;
import dev.banger.api.common.v1.Operation;
import dev.banger.api.common.v1.OperationsServiceGrpc;
import dev.banger.api.common.v1.Progress;
import dev.banger.api.common.v1.WatchOperationRequest;
import dev.banger.api.common.v1.WatchOperationResponse;
import dev.banger.kit.grpc.Errors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** {@code banger.common.v1.OperationsService} over one service's {@link OperationRegistry}. */
public final class OperationsServiceImpl extends OperationsServiceGrpc.OperationsServiceImplBase {

  private static final int MAX_PAGE = 500;
  private final OperationRegistry registry;

  public OperationsServiceImpl(OperationRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void getOperation(GetOperationRequest req, StreamObserver<GetOperationResponse> out) {
    Operation op =
        registry
            .get(requireId(req.getId()))
            .orElseThrow(() -> Errors.notFound("operation", req.getId()));
    out.onNext(GetOperationResponse.newBuilder().setOperation(op).build());
    out.onCompleted();
  }

  @Override
  public void listOperations(
      ListOperationsRequest req, StreamObserver<ListOperationsResponse> out) {
    if (req.getPageSize() < 0) {
      throw Errors.invalidArgument("page_size", "page_size must not be negative");
    }
    if (!req.getPageToken().isEmpty()) {
      throw Errors.invalidArgument(
          "page_token", "page_token is not supported yet; ask with a larger page_size");
    }
    int size = req.getPageSize() == 0 ? MAX_PAGE : Math.min(req.getPageSize(), MAX_PAGE);
    var all = registry.list(req.getState());
    out.onNext(
        ListOperationsResponse.newBuilder()
            .addAllOperations(all.subList(0, Math.min(size, all.size())))
            .build());
    out.onCompleted();
  }

  @Override
  public void watchOperation(
      WatchOperationRequest req, StreamObserver<WatchOperationResponse> out) {
    ServerCallStreamObserver<WatchOperationResponse> call =
        (ServerCallStreamObserver<WatchOperationResponse>) out;
    String id = requireId(req.getId());
    // The registry delivers in order, one event at a time; a gone client unsubscribes.
    java.util.function.Consumer<Object> sink =
        event -> {
          if (call.isCancelled()) {
            return;
          }
          if (event instanceof Progress p) {
            out.onNext(WatchOperationResponse.newBuilder().setProgress(p).build());
          } else if (event instanceof Operation op) {
            out.onNext(WatchOperationResponse.newBuilder().setDone(op).build());
            out.onCompleted();
          }
        };
    call.setOnCancelHandler(() -> registry.unwatch(id, sink));
    if (!registry.watch(id, sink)) {
      throw Errors.notFound("operation", req.getId());
    }
  }

  @Override
  public void cancelOperation(
      CancelOperationRequest req, StreamObserver<CancelOperationResponse> out) {
    Operation op =
        registry
            .cancel(requireId(req.getId()))
            .orElseThrow(() -> Errors.notFound("operation", req.getId()));
    out.onNext(CancelOperationResponse.newBuilder().setOperation(op).build());
    out.onCompleted();
  }

  private static String requireId(String id) {
    if (id.isEmpty()) {
      throw Errors.invalidArgument("id", "id is required");
    }
    if (!id.matches("[0-9a-f-]{36}")) {
      throw Errors.invalidArgument("id", "id \"" + id + "\" is not an operation id (a UUID)");
    }
    return id;
  }
}
