package dev.banger.vm;

import com.google.protobuf.Timestamp;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.CreateVmResponse;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.DeleteVmResponse;
import dev.banger.api.vm.v1.GetVmLogsRequest;
import dev.banger.api.vm.v1.GetVmLogsResponse;
import dev.banger.api.vm.v1.GetVmRequest;
import dev.banger.api.vm.v1.GetVmResponse;
import dev.banger.api.vm.v1.GetVmStatsRequest;
import dev.banger.api.vm.v1.GetVmStatsResponse;
import dev.banger.api.vm.v1.KillVmRequest;
import dev.banger.api.vm.v1.KillVmResponse;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.ListVmsResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.PruneVmsResponse;
import dev.banger.api.vm.v1.RestartVmRequest;
import dev.banger.api.vm.v1.RestartVmResponse;
import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.api.vm.v1.SetVmResponse;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.StartVmResponse;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.StopVmResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.api.vm.v1.Workspace;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmControl;
import dev.banger.vm.app.VmLifecycle;
import dev.banger.vm.app.start.StartPlan;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VmService's RPCs: argument checks and proto mapping; the work is in VmLifecycle, VmControl and
 * VmInspect.
 */
final class VmGrpcService extends VmServiceGrpc.VmServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(VmGrpcService.class);

  private final VmStore store;
  private final VmLifecycle lifecycle;
  private final VmControl control;
  private final VmInspect inspect;
  private final VmWorkspaces workspaces;
  private final OperationRegistry ops;

  VmGrpcService(
      VmStore store,
      VmLifecycle lifecycle,
      VmControl control,
      VmInspect inspect,
      VmWorkspaces workspaces,
      OperationRegistry ops) {
    this.workspaces = workspaces;
    this.store = store;
    this.lifecycle = lifecycle;
    this.control = control;
    this.inspect = inspect;
    this.ops = ops;
  }

  @Override
  public void createVm(CreateVmRequest req, StreamObserver<CreateVmResponse> obs) {
    ProgressCall<CreateVmResponse> call =
        new ProgressCall<>(
            ops,
            VmServiceGrpc.getCreateVmMethod().getFullMethodName(),
            "vms/" + (req.getName().isEmpty() ? "(generated)" : req.getName()),
            req.getRequestId(),
            obs,
            VmLifecycle.createStages(),
            p -> CreateVmResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      CreateRequest domain = createRequest(req);
      Vm vm = toProto(detached(() -> lifecycle.create(domain, call.listener(), call.cancelled())));
      call.succeed(vm, CreateVmResponse.newBuilder().setVm(vm).build());
    } catch (Throwable t) {
      call.fail(t, LOG, "create of VM " + req.getName());
    }
  }

  @Override
  public void prepareWorkspace(
      PrepareWorkspaceRequest req, StreamObserver<PrepareWorkspaceResponse> obs) {
    ProgressCall<PrepareWorkspaceResponse> call =
        new ProgressCall<>(
            ops,
            VmServiceGrpc.getPrepareWorkspaceMethod().getFullMethodName(),
            "vms/" + req.getVm() + "/workspace",
            req.getRequestId(),
            obs,
            VmWorkspaces.STAGES,
            p -> PrepareWorkspaceResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      PrepareWorkspaceResult r =
          detached(() -> workspaces.prepare(req, call.listener(), call.cancelled()));
      call.succeed(r, PrepareWorkspaceResponse.newBuilder().setResult(r).build());
    } catch (Throwable t) {
      call.fail(t, LOG, "workspace prepare of VM " + req.getVm());
    }
  }

  @Override
  public void startVm(StartVmRequest req, StreamObserver<StartVmResponse> obs) {
    ProgressCall<StartVmResponse> call =
        new ProgressCall<>(
            ops,
            VmServiceGrpc.getStartVmMethod().getFullMethodName(),
            "vms/" + req.getVm(),
            req.getRequestId(),
            obs,
            StartPlan.STAGES,
            p -> StartVmResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      Vm vm =
          toProto(detached(() -> lifecycle.start(req.getVm(), call.listener(), call.cancelled())));
      call.succeed(vm, StartVmResponse.newBuilder().setVm(vm).build());
    } catch (Throwable t) {
      call.fail(t, LOG, "start of VM " + req.getVm());
    }
  }

  @Override
  public void restartVm(RestartVmRequest req, StreamObserver<RestartVmResponse> obs) {
    ProgressCall<RestartVmResponse> call =
        new ProgressCall<>(
            ops,
            VmServiceGrpc.getRestartVmMethod().getFullMethodName(),
            "vms/" + req.getVm(),
            req.getRequestId(),
            obs,
            StartPlan.STAGES,
            p -> RestartVmResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      Vm vm =
          toProto(
              detached(
                  () -> {
                    control.stop(req.getVm(), req.getTimeoutSeconds());
                    return lifecycle.start(req.getVm(), call.listener(), call.cancelled());
                  }));
      call.succeed(vm, RestartVmResponse.newBuilder().setVm(vm).build());
    } catch (Throwable t) {
      call.fail(t, LOG, "restart of VM " + req.getVm());
    }
  }

  @Override
  public void stopVm(StopVmRequest req, StreamObserver<StopVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            StopVmResponse.newBuilder()
                .setVm(toProto(detached(() -> control.stop(req.getVm(), req.getTimeoutSeconds()))))
                .build());
  }

  @Override
  public void killVm(KillVmRequest req, StreamObserver<KillVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            KillVmResponse.newBuilder()
                .setVm(toProto(detached(() -> control.kill(req.getVm()))))
                .build());
  }

  @Override
  public void deleteVm(DeleteVmRequest req, StreamObserver<DeleteVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            detached(
                () -> {
                  control.delete(req.getVm(), req.getForce());
                  return DeleteVmResponse.getDefaultInstance();
                }));
  }

  @Override
  public void pruneVms(PruneVmsRequest req, StreamObserver<PruneVmsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> {
          PruneVmsResponse.Builder b = PruneVmsResponse.newBuilder();
          for (VmRecord v : store.list()) {
            if (control.refresh(v).state().atRest()) {
              control.delete(v.id(), false);
              b.addDeleted(v.name());
            }
          }
          return b.build();
        });
  }

  @Override
  public void setVm(SetVmRequest req, StreamObserver<SetVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> SetVmResponse.newBuilder().setVm(toProto(inspect.set(req))).build());
  }

  @Override
  public void listVms(ListVmsRequest req, StreamObserver<ListVmsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> {
          if (req.getPageSize() < 0) {
            throw Errors.invalidArgument("page_size", "page_size must not be negative");
          }
          int size = req.getPageSize() == 0 ? 1000 : Math.min(req.getPageSize(), 1000);
          List<VmRecord> all = new ArrayList<>();
          for (VmRecord v : store.list()) {
            VmRecord r = control.refresh(v);
            if (req.getState() == dev.banger.api.vm.v1.VmState.VM_STATE_UNSPECIFIED
                || r.state().api() == req.getState()) {
              all.add(r);
            }
          }
          // Names are unique and listed in order: the token is the last name of the page before.
          List<VmRecord> after =
              all.stream().filter(v -> v.name().compareTo(req.getPageToken()) > 0).toList();
          ListVmsResponse.Builder b = ListVmsResponse.newBuilder();
          after.stream().limit(size).forEach(v -> b.addVms(toProto(v)));
          if (after.size() > size) {
            b.setNextPageToken(after.get(size - 1).name());
          }
          return b.build();
        });
  }

  @Override
  public void getVm(GetVmRequest req, StreamObserver<GetVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            GetVmResponse.newBuilder()
                .setVm(toProto(control.refresh(lifecycle.find(req.getVm()))))
                .build());
  }

  @Override
  public void getVmLogs(GetVmLogsRequest req, StreamObserver<GetVmLogsResponse> obs) {
    try {
      inspect.logs(req, obs);
    } catch (Throwable t) {
      obs.onError(VmErrors.toStatus(t));
    }
  }

  @Override
  public void getVmStats(GetVmStatsRequest req, StreamObserver<GetVmStatsResponse> obs) {
    Unary.answer(
        obs, VmErrors::toStatus, () -> inspect.stats(control.refresh(lifecycle.find(req.getVm()))));
  }

  /** The proto request as the use case takes it; the use case checks every field. */
  static CreateRequest createRequest(CreateVmRequest req) {
    VmSpec s = req.getSpec();
    return new CreateRequest(
        req.getRequestId(),
        req.getName(),
        req.getImage(),
        req.getKernel(),
        s.getVcpu(),
        s.getMemoryMib(),
        s.getWorkDiskBytes(),
        s.getSystemOverlayBytes(),
        s.getNat(),
        s.getDriver(),
        req.getNoStart(),
        req.getKeepFailed());
  }

  /**
   * Runs VM work in a context of its own: the calls it makes to the other services must not be
   * cancelled with the client's call, or a cancelled create could not run its undos and a delete
   * could stop half-way. The client's cancel reaches the work through {@code cancelled()} instead.
   */
  private static <T> T detached(java.util.concurrent.Callable<T> work) throws Exception {
    return Context.current().fork().call(work);
  }

  static Vm toProto(VmRecord v) {
    Vm.Builder b =
        Vm.newBuilder()
            .setId(v.id())
            .setName(v.name())
            .setImage(v.image())
            .setKernel(v.kernel())
            .setSpec(
                VmSpec.newBuilder()
                    .setVcpu(v.vcpu())
                    .setMemoryMib(v.memoryMib())
                    .setWorkDiskBytes(v.workDiskBytes())
                    .setSystemOverlayBytes(v.systemOverlayBytes())
                    .setNat(v.nat())
                    .setDriver(v.driver()))
            .setState(v.state().api());
    if (v.stateReason() != null) {
      b.setStateReason(v.stateReason());
    }
    if (v.ipAddress() != null) {
      b.setIpAddress(v.ipAddress()).setMacAddress(v.macAddress());
    }
    if (v.createdAt() != null) {
      b.setCreateTime(ts(v.createdAt()));
    }
    if (v.updatedAt() != null) {
      b.setUpdateTime(ts(v.updatedAt()));
    }
    if (v.startedAt() != null && v.state() == VmState.RUNNING) {
      b.setStartTime(ts(v.startedAt()));
    }
    if (v.lastWorkspace() != null) {
      Workspace w = VmWorkspaces.toProto(v.lastWorkspace());
      if (w != null) {
        b.setWorkspace(w);
      }
    }
    return b.build();
  }

  static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
