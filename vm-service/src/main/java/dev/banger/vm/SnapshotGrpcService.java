package dev.banger.vm;

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
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import dev.banger.vm.app.snapshot.SnapshotCreate;
import dev.banger.vm.app.snapshot.Snapshots;
import dev.banger.vm.store.SnapshotRecord;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * banger.vm.v1.SnapshotService on vm-service's socket (docs/snapshots.md): argument mapping and
 * errors ({@link VmErrors}); the work is in {@code app/snapshot}.
 */
final class SnapshotGrpcService extends SnapshotServiceGrpc.SnapshotServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotGrpcService.class);

  private final SnapshotCreate create;
  private final Snapshots snapshots;
  private final OperationRegistry ops;

  SnapshotGrpcService(SnapshotCreate create, Snapshots snapshots, OperationRegistry ops) {
    this.create = create;
    this.snapshots = snapshots;
    this.ops = ops;
  }

  @Override
  public void createSnapshot(
      CreateSnapshotRequest req, StreamObserver<CreateSnapshotResponse> obs) {
    ProgressCall<CreateSnapshotResponse> call =
        new ProgressCall<>(
            ops,
            SnapshotServiceGrpc.getCreateSnapshotMethod().getFullMethodName(),
            "snapshots/" + req.getName(),
            req.getRequestId(),
            obs,
            SnapshotCreate.stages(),
            p -> CreateSnapshotResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      Snapshot s =
          toProto(
              Detached.call(
                  () ->
                      create.create(
                          req.getVm(), req.getName(), call.listener(), call.cancelled())));
      call.succeed(s, CreateSnapshotResponse.newBuilder().setSnapshot(s).build());
    } catch (Throwable t) {
      call.fail(t, LOG, "snapshot " + req.getName() + " of VM " + req.getVm());
    }
  }

  @Override
  public void listSnapshots(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> {
          ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
          for (SnapshotRecord s : snapshots.list()) {
            b.addSnapshots(toProto(s));
          }
          return b.build();
        });
  }

  @Override
  public void getSnapshot(GetSnapshotRequest req, StreamObserver<GetSnapshotResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            GetSnapshotResponse.newBuilder()
                .setSnapshot(toProto(snapshots.get(req.getSnapshot())))
                .build());
  }

  @Override
  public void deleteSnapshot(
      DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            // Detached from the call, as DeleteVm: a client that goes away mid-delete must not cut
            // the disk-service call short and leave a row whose saved state is gone.
            Detached.call(
                () -> {
                  snapshots.delete(req.getSnapshot());
                  return DeleteSnapshotResponse.getDefaultInstance();
                }));
  }

  static Snapshot toProto(SnapshotRecord s) {
    return Snapshot.newBuilder()
        .setId(s.id())
        .setName(s.name())
        .setVmId(s.vmId())
        .setVmName(s.vmName())
        .setImage(s.image())
        .setKernel(s.kernel())
        .setVcpu(s.vcpu())
        .setMemoryMib(s.memoryMib())
        .setDriver(s.driver())
        .setStateBytes(s.stateBytes())
        .setDiskBytes(s.diskBytes())
        .setCreateTime(VmProtos.ts(s.createdAt()))
        .build();
  }
}
