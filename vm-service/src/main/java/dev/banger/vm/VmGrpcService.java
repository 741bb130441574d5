package dev.banger.vm;

import com.google.protobuf.ByteString;
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
import dev.banger.api.vm.v1.PauseVmRequest;
import dev.banger.api.vm.v1.PauseVmResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.PruneVmsResponse;
import dev.banger.api.vm.v1.RestartVmRequest;
import dev.banger.api.vm.v1.RestartVmResponse;
import dev.banger.api.vm.v1.ResumeVmRequest;
import dev.banger.api.vm.v1.ResumeVmResponse;
import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.api.vm.v1.SetVmResponse;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.StartVmResponse;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.StopVmResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmControl;
import dev.banger.vm.app.VmLifecycle;
import dev.banger.vm.app.VmPause;
import dev.banger.vm.app.inspect.ConsoleLog;
import dev.banger.vm.app.inspect.VmListing;
import dev.banger.vm.app.inspect.VmSettings;
import dev.banger.vm.app.inspect.VmStats;
import dev.banger.vm.app.start.StartPlan;
import dev.banger.vm.app.workspace.WorkspacePrepare;
import dev.banger.vm.store.VmRecord;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VmService's RPCs: proto mapping ({@link VmProtos}) and domain errors as statuses ({@link
 * VmErrors}); the work is in the use cases of {@code app}.
 */
final class VmGrpcService extends VmServiceGrpc.VmServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(VmGrpcService.class);

  /** The use cases the RPCs call. */
  record UseCases(
      VmLifecycle lifecycle,
      VmControl control,
      VmPause pause,
      VmListing listing,
      ConsoleLog console,
      VmStats stats,
      VmSettings settings,
      WorkspacePrepare workspaces,
      dev.banger.vm.app.exec.GuestExec exec,
      dev.banger.vm.app.exec.GuestFiles files) {}

  private final UseCases app;
  private final OperationRegistry ops;

  VmGrpcService(UseCases app, OperationRegistry ops) {
    this.app = app;
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
            VmLifecycle.createStages(!req.getSnapshot().isEmpty()),
            p -> CreateVmResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      CreateRequest domain = VmProtos.createRequest(req, callerUid());
      Vm vm =
          toProto(
              Detached.call(
                  () -> app.lifecycle().create(domain, call.listener(), call.cancelled())));
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
            WorkspacePrepare.STAGES,
            p -> PrepareWorkspaceResponse.newBuilder().setProgress(p).build(),
            VmErrors::toStatus);
    try {
      PrepareWorkspaceResult r =
          VmProtos.prepareResult(
              Detached.call(
                  () ->
                      app.workspaces()
                          .prepare(
                              VmProtos.prepareRequest(req), call.listener(), call.cancelled())));
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
          toProto(
              Detached.call(
                  () -> app.lifecycle().start(req.getVm(), call.listener(), call.cancelled())));
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
              Detached.call(
                  () -> {
                    app.control().stop(req.getVm(), req.getTimeoutSeconds());
                    return app.lifecycle().start(req.getVm(), call.listener(), call.cancelled());
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
                .setVm(
                    toProto(
                        Detached.call(
                            () -> app.control().stop(req.getVm(), req.getTimeoutSeconds()))))
                .build());
  }

  @Override
  public void killVm(KillVmRequest req, StreamObserver<KillVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            KillVmResponse.newBuilder()
                .setVm(toProto(Detached.call(() -> app.control().kill(req.getVm()))))
                .build());
  }

  @Override
  public void pauseVm(PauseVmRequest req, StreamObserver<PauseVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            PauseVmResponse.newBuilder()
                .setVm(toProto(Detached.call(() -> app.pause().pause(req.getVm()))))
                .build());
  }

  @Override
  public void resumeVm(ResumeVmRequest req, StreamObserver<ResumeVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            ResumeVmResponse.newBuilder()
                .setVm(toProto(Detached.call(() -> app.pause().resume(req.getVm()))))
                .build());
  }

  @Override
  public void deleteVm(DeleteVmRequest req, StreamObserver<DeleteVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            Detached.call(
                () -> {
                  app.control().delete(req.getVm(), req.getForce());
                  return DeleteVmResponse.getDefaultInstance();
                }));
  }

  @Override
  public void pruneVms(PruneVmsRequest req, StreamObserver<PruneVmsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> {
          Integer caller = callerUid();
          VmControl.Pruned p = Detached.call(() -> app.control().prune(caller, req.getAllOwners()));
          return PruneVmsResponse.newBuilder()
              .addAllDeleted(p.deleted())
              .addAllKeptOtherOwners(p.keptOtherOwners())
              .build();
        });
  }

  @Override
  public void setVm(SetVmRequest req, StreamObserver<SetVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            SetVmResponse.newBuilder()
                .setVm(
                    toProto(
                        app.settings()
                            .set(
                                req.getVm(),
                                req.getVcpu(),
                                req.getMemoryMib(),
                                req.getWorkDiskBytes())))
                .build());
  }

  @Override
  public void listVms(ListVmsRequest req, StreamObserver<ListVmsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () -> {
          VmListing.Page page =
              app.listing()
                  .page(VmProtos.state(req.getState()), req.getPageSize(), req.getPageToken());
          ListVmsResponse.Builder b = ListVmsResponse.newBuilder();
          page.vms().forEach(v -> b.addVms(toProto(v)));
          return b.setNextPageToken(page.nextToken()).build();
        });
  }

  @Override
  public void getVm(GetVmRequest req, StreamObserver<GetVmResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            GetVmResponse.newBuilder()
                .setVm(toProto(app.control().refresh(app.lifecycle().find(req.getVm()))))
                .build());
  }

  @Override
  public void getVmLogs(GetVmLogsRequest req, StreamObserver<GetVmLogsResponse> obs) {
    ServerCallStreamObserver<GetVmLogsResponse> call =
        (ServerCallStreamObserver<GetVmLogsResponse>) obs;
    // uint32 on the wire: anything past int's range asks for more lines than any console holds.
    int tail = req.getTailLines() < 0 ? Integer.MAX_VALUE : req.getTailLines();
    try {
      app.console()
          .read(
              req.getVm(),
              tail,
              req.getFollow(),
              new ConsoleLog.Sink() {
                @Override
                public boolean cancelled() {
                  return call.isCancelled();
                }

                @Override
                public void chunk(byte[] data, int length) {
                  obs.onNext(
                      GetVmLogsResponse.newBuilder()
                          .setData(ByteString.copyFrom(data, 0, length))
                          .build());
                }
              });
      if (!call.isCancelled()) {
        obs.onCompleted();
      }
    } catch (Throwable t) {
      obs.onError(VmErrors.toStatus(t));
    }
  }

  @Override
  public void getVmStats(GetVmStatsRequest req, StreamObserver<GetVmStatsResponse> obs) {
    Unary.answer(
        obs,
        VmErrors::toStatus,
        () ->
            VmProtos.stats(
                app.stats().sample(app.control().refresh(app.lifecycle().find(req.getVm())))));
  }

  /**
   * The calling user, as the kernel gave it for the socket (null for a call with no peer
   * credentials: an in-process channel).
   */
  private static Integer callerUid() {
    PeerCredentials peer = PeerCredentials.current();
    return peer == null ? null : peer.uid();
  }

  private static Vm toProto(VmRecord v) {
    return VmProtos.toProto(v);
  }

  @Override
  public StreamObserver<dev.banger.api.vm.v1.ExecRequest> exec(
      StreamObserver<dev.banger.api.vm.v1.ExecResponse> obs) {
    return new ExecCall(app.exec(), obs);
  }

  @Override
  public StreamObserver<dev.banger.api.vm.v1.PutFilesRequest> putFiles(
      StreamObserver<dev.banger.api.vm.v1.PutFilesResponse> obs) {
    return new PutFilesCall(app.files(), obs);
  }

  @Override
  public void getFiles(
      dev.banger.api.vm.v1.GetFilesRequest req,
      StreamObserver<dev.banger.api.vm.v1.GetFilesResponse> obs) {
    GetFilesCall.run(app.files(), req, obs);
  }
}
