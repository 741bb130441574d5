package dev.banger.vm;

import com.google.protobuf.Timestamp;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.GetVmStatsResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.api.vm.v1.Workspace;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.inspect.VmStats;
import dev.banger.vm.app.workspace.PrepareRequest;
import dev.banger.vm.app.workspace.PrepareResult;
import dev.banger.vm.app.workspace.PreparedWorkspace;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/** vm-service's protos to the use cases' records and back; no logic beyond the mapping. */
final class VmProtos {

  private VmProtos() {}

  /** The proto request as the use case takes it; the use case checks every field. */
  static CreateRequest createRequest(CreateVmRequest req, Integer callerUid) {
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
        req.getKeepFailed(),
        callerUid,
        req.getSnapshot());
  }

  static PrepareRequest prepareRequest(PrepareWorkspaceRequest req) {
    return new PrepareRequest(
        req.getVm(),
        req.getHostPath(),
        req.getGuestPath(),
        req.getIncludeUntracked(),
        req.getBranch(),
        req.getFromRef(),
        req.getDryRun(),
        req.getForce());
  }

  static PrepareWorkspaceResult prepareResult(PrepareResult r) {
    return PrepareWorkspaceResult.newBuilder()
        .setWorkspace(workspace(r.workspace()))
        .setEntries(r.entries())
        .setBytes(r.bytes())
        .setOffline(r.offline())
        .addAllPaths(r.paths())
        .build();
  }

  static Workspace workspace(PreparedWorkspace w) {
    Workspace.Builder b =
        Workspace.newBuilder()
            .setHostPath(w.hostPath())
            .setGuestPath(w.guestPath())
            .setHeadCommit(w.headCommit())
            .setIncludeUntracked(w.includeUntracked())
            .setBranch(w.branch());
    if (w.preparedAt() != null) {
      b.setPrepareTime(ts(w.preparedAt()));
    }
    return b.build();
  }

  static GetVmStatsResponse stats(VmStats.Sample s) {
    return GetVmStatsResponse.newBuilder()
        .setSampleTime(ts(s.sampledAt()))
        .setCpuSeconds(s.cpuSeconds())
        .setMemoryRssBytes(s.memoryRssBytes())
        .setWorkDiskUsedBytes(s.workDiskUsedBytes())
        .setOverlayUsedBytes(s.overlayUsedBytes())
        .build();
  }

  static dev.banger.api.vm.v1.VmState state(VmState s) {
    return dev.banger.api.vm.v1.VmState.valueOf("VM_STATE_" + s.name());
  }

  /** Empty for VM_STATE_UNSPECIFIED (every state); a value this server does not know is refused. */
  static Optional<VmState> state(dev.banger.api.vm.v1.VmState s) {
    if (s == dev.banger.api.vm.v1.VmState.VM_STATE_UNSPECIFIED) {
      return Optional.empty();
    }
    return Optional.of(
        Arrays.stream(VmState.values())
            .filter(v -> state(v) == s)
            .findFirst()
            .orElseThrow(
                () ->
                    dev.banger.vm.app.VmProblem.invalid(
                        "state", "state " + s + " is not a VM state this service knows")));
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
            .setState(state(v.state()));
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
    if (v.startedAt() != null && v.state().live()) {
      b.setStartTime(ts(v.startedAt()));
    }
    if (v.ownerUid() != null) {
      b.setOwnerUid(v.ownerUid());
    }
    if (v.lastWorkspace() != null) {
      PreparedWorkspace.fromJson(v.lastWorkspace()).ifPresent(w -> b.setWorkspace(workspace(w)));
    }
    return b.build();
  }

  static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
