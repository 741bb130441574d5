package dev.banger.cli.vm;

import dev.banger.api.common.v1.Progress;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.CreateVmResponse;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.DeleteVmResponse;
import dev.banger.api.vm.v1.GetVmLogsRequest;
import dev.banger.api.vm.v1.GetVmLogsResponse;
import dev.banger.api.vm.v1.GetVmRequest;
import dev.banger.api.vm.v1.GetVmResponse;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.ListVmsResponse;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.StopVmResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.api.vm.v1.VmState;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A VmService double for the CLI's own tests: it keeps VMs in a map, records every request, and
 * answers as the real service does (progress then the VM; NOT_FOUND with its ErrorInfo). What the
 * real service does is VmLifecycleIT's; this checks parsing, output and error mapping.
 */
final class FakeVmService extends VmServiceGrpc.VmServiceImplBase {

  final Map<String, Vm> vms = new ConcurrentHashMap<>();
  final List<Object> requests = new CopyOnWriteArrayList<>();

  /** The test JVM's uid: the owner the fake's VMs get, and whom its prune takes as the caller. */
  static final int CALLER_UID = VmPruneCommand.myUid();

  static Vm vm(String name, VmState state, String ip) {
    return Vm.newBuilder()
        .setOwnerUid(CALLER_UID)
        .setId(java.util.UUID.nameUUIDFromBytes(name.getBytes()).toString())
        .setName(name)
        .setState(state)
        .setIpAddress(ip)
        .setImage("img-1")
        .setKernel("k-1")
        .setSpec(
            VmSpec.newBuilder()
                .setVcpu(2)
                .setMemoryMib(1024)
                .setWorkDiskBytes(8L << 30)
                .setDriver("qemu"))
        .build();
  }

  private Vm find(String ref) {
    return vms.values().stream()
        .filter(v -> v.getName().equals(ref) || v.getId().equals(ref))
        .findFirst()
        .orElseThrow(
            () ->
                Errors.of(
                    Status.NOT_FOUND.withDescription("vm \"" + ref + "\" not found"),
                    "VM_NOT_FOUND",
                    Map.of("vm", ref)));
  }

  @Override
  public void createVm(CreateVmRequest req, StreamObserver<CreateVmResponse> obs) {
    requests.add(req);
    if (req.getName().equals("broken") && !req.getNoStart()) {
      vms.put("broken", vm("broken", VmState.VM_STATE_ERROR, ""));
      obs.onError(
          Errors.of(
              Status.UNAVAILABLE.withDescription("step ssh-ready failed: no answer (rolled back)"),
              "VM_START_FAILED",
              Map.of("step", "ssh-ready", "vm", "broken")));
      return;
    }
    String name = req.getName().isEmpty() ? "brave-otter" : req.getName();
    for (String stage : List.of("resolve-image", "ip-lease", "ssh-ready")) {
      obs.onNext(
          CreateVmResponse.newBuilder()
              .setProgress(
                  Progress.newBuilder()
                      .setStage(stage)
                      .setMessage(stage)
                      .setStageIndex(1)
                      .setStageCount(3))
              .build());
    }
    Vm v =
        vm(
            name,
            req.getNoStart() ? VmState.VM_STATE_CREATED : VmState.VM_STATE_RUNNING,
            req.getNoStart() ? "" : "172.16.0.2");
    vms.put(name, v);
    obs.onNext(CreateVmResponse.newBuilder().setVm(v).build());
    obs.onCompleted();
  }

  /** As the real one: "broken" fails at ssh-ready and is kept in error; others come up running. */
  @Override
  public void startVm(
      dev.banger.api.vm.v1.StartVmRequest req,
      StreamObserver<dev.banger.api.vm.v1.StartVmResponse> obs) {
    requests.add(req);
    Vm v;
    try {
      v = find(req.getVm());
    } catch (RuntimeException e) {
      obs.onError(e);
      return;
    }
    if (v.getName().equals("broken")) {
      vms.put("broken", vm("broken", VmState.VM_STATE_ERROR, ""));
      obs.onError(
          Errors.of(
              Status.UNAVAILABLE.withDescription("step ssh-ready failed: no answer (rolled back)"),
              "VM_START_FAILED",
              Map.of("step", "ssh-ready", "vm", "broken")));
      return;
    }
    for (String stage : List.of("ip-lease", "ssh-ready")) {
      obs.onNext(
          dev.banger.api.vm.v1.StartVmResponse.newBuilder()
              .setProgress(
                  Progress.newBuilder()
                      .setStage(stage)
                      .setMessage(stage)
                      .setStageIndex(1)
                      .setStageCount(2))
              .build());
    }
    Vm running = vm(v.getName(), VmState.VM_STATE_RUNNING, "172.16.0.2");
    vms.put(v.getName(), running);
    obs.onNext(dev.banger.api.vm.v1.StartVmResponse.newBuilder().setVm(running).build());
    obs.onCompleted();
  }

  @Override
  public void getVm(GetVmRequest req, StreamObserver<GetVmResponse> obs) {
    requests.add(req);
    try {
      obs.onNext(GetVmResponse.newBuilder().setVm(find(req.getVm())).build());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  @Override
  public void listVms(ListVmsRequest req, StreamObserver<ListVmsResponse> obs) {
    requests.add(req);
    obs.onNext(
        ListVmsResponse.newBuilder()
            .addAllVms(
                vms.values().stream()
                    .filter(
                        v ->
                            req.getState() == VmState.VM_STATE_UNSPECIFIED
                                || v.getState() == req.getState())
                    .sorted(java.util.Comparator.comparing(Vm::getName))
                    .toList())
            .build());
    obs.onCompleted();
  }

  @Override
  public void stopVm(StopVmRequest req, StreamObserver<StopVmResponse> obs) {
    requests.add(req);
    try {
      Vm v = find(req.getVm()).toBuilder().setState(VmState.VM_STATE_STOPPED).build();
      vms.put(v.getName(), v);
      obs.onNext(StopVmResponse.newBuilder().setVm(v).build());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  /** As vm-service: running and paused swap; a repeat is harmless; anything else is refused. */
  @Override
  public void pauseVm(
      dev.banger.api.vm.v1.PauseVmRequest req,
      StreamObserver<dev.banger.api.vm.v1.PauseVmResponse> obs) {
    requests.add(req);
    try {
      Vm v = swap(req.getVm(), VmState.VM_STATE_RUNNING, VmState.VM_STATE_PAUSED);
      obs.onNext(dev.banger.api.vm.v1.PauseVmResponse.newBuilder().setVm(v).build());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  @Override
  public void resumeVm(
      dev.banger.api.vm.v1.ResumeVmRequest req,
      StreamObserver<dev.banger.api.vm.v1.ResumeVmResponse> obs) {
    requests.add(req);
    try {
      Vm v = swap(req.getVm(), VmState.VM_STATE_PAUSED, VmState.VM_STATE_RUNNING);
      obs.onNext(dev.banger.api.vm.v1.ResumeVmResponse.newBuilder().setVm(v).build());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  private Vm swap(String ref, VmState from, VmState to) {
    Vm v = find(ref);
    if (v.getState() != from && v.getState() != to) {
      throw Errors.of(
          Status.FAILED_PRECONDITION.withDescription(
              "vm \"" + v.getName() + "\" is " + v.getState() + ": not running or paused"),
          "VM_WRONG_STATE",
          Map.of("vm", v.getName()));
    }
    Vm changed = v.toBuilder().setState(to).build();
    vms.put(changed.getName(), changed);
    return changed;
  }

  /** The new spec as asked (0 keeps a value); the real checks are vm-service's (VmSettingsTest). */
  @Override
  public void setVm(
      dev.banger.api.vm.v1.SetVmRequest req,
      StreamObserver<dev.banger.api.vm.v1.SetVmResponse> obs) {
    requests.add(req);
    try {
      Vm v = find(req.getVm());
      var spec = v.getSpec().toBuilder();
      if (req.getVcpu() != 0) {
        spec.setVcpu(req.getVcpu());
      }
      if (req.getMemoryMib() != 0) {
        spec.setMemoryMib(req.getMemoryMib());
      }
      if (req.getWorkDiskBytes() != 0) {
        spec.setWorkDiskBytes(req.getWorkDiskBytes());
      }
      v = v.toBuilder().setSpec(spec).build();
      vms.put(v.getName(), v);
      obs.onNext(dev.banger.api.vm.v1.SetVmResponse.newBuilder().setVm(v).build());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  /** As the real one: every VM at rest (created, stopped, error) is deleted, in name order. */
  @Override
  public void pruneVms(
      dev.banger.api.vm.v1.PruneVmsRequest req,
      StreamObserver<dev.banger.api.vm.v1.PruneVmsResponse> obs) {
    requests.add(req);
    var b = dev.banger.api.vm.v1.PruneVmsResponse.newBuilder();
    for (String name : new java.util.TreeSet<>(vms.keySet())) {
      VmState st = vms.get(name).getState();
      if (st == VmState.VM_STATE_CREATED
          || st == VmState.VM_STATE_STOPPED
          || st == VmState.VM_STATE_ERROR) {
        Vm v = vms.get(name);
        if (!req.getAllOwners() && !(v.hasOwnerUid() && v.getOwnerUid() == CALLER_UID)) {
          b.addKeptOtherOwners(name);
          continue;
        }
        vms.remove(name);
        b.addDeleted(name);
      }
    }
    obs.onNext(b.build());
    obs.onCompleted();
  }

  @Override
  public void deleteVm(DeleteVmRequest req, StreamObserver<DeleteVmResponse> obs) {
    requests.add(req);
    try {
      vms.remove(find(req.getVm()).getName());
      obs.onNext(DeleteVmResponse.getDefaultInstance());
      obs.onCompleted();
    } catch (RuntimeException e) {
      obs.onError(e);
    }
  }

  @Override
  public void getVmLogs(GetVmLogsRequest req, StreamObserver<GetVmLogsResponse> obs) {
    requests.add(req);
    find(req.getVm());
    obs.onNext(
        GetVmLogsResponse.newBuilder()
            .setData(com.google.protobuf.ByteString.copyFromUtf8("Linux version 6.1\n"))
            .build());
    obs.onCompleted();
  }

  /** Dry runs list two paths; a host path with "bad" in it is refused as the service would. */
  @Override
  public void prepareWorkspace(
      dev.banger.api.vm.v1.PrepareWorkspaceRequest req,
      StreamObserver<dev.banger.api.vm.v1.PrepareWorkspaceResponse> obs) {
    requests.add(req);
    if (req.getHostPath().contains("bad")) {
      obs.onError(
          io.grpc.Status.INVALID_ARGUMENT
              .withDescription(req.getHostPath() + " is not inside a git work tree")
              .asRuntimeException());
      return;
    }
    var ws =
        dev.banger.api.vm.v1.Workspace.newBuilder()
            .setHostPath(req.getHostPath())
            .setGuestPath(req.getGuestPath().isEmpty() ? "/root/repo" : req.getGuestPath())
            .setHeadCommit("0123456789abcdef0123");
    var result =
        dev.banger.api.vm.v1.PrepareWorkspaceResult.newBuilder()
            .setWorkspace(ws)
            .setEntries(2)
            .setBytes(10);
    if (req.getDryRun()) {
      result.addPaths(".git").addPaths("README");
    } else {
      find(req.getVm());
    }
    obs.onNext(
        dev.banger.api.vm.v1.PrepareWorkspaceResponse.newBuilder().setResult(result).build());
    obs.onCompleted();
  }
}
