package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.GetVmRequest;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.image.ImageServiceModule;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * vm-service with the real image-service beside it (real sockets, SQLite): what is refused before
 * any host resource is touched. Booting VMs is VmLifecycleIT's (deploy/), in a netns.
 */
class VmServiceTest {

  @Test
  void servesRefusesBadRequestsWithTheFieldAndLeavesNoRecord(@TempDir Path dir) throws Exception {
    try (ServiceHarness h =
        ServiceHarness.start(dir, new VmServiceModule(), new ImageServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.VM, "banger.vm.v1.VmService"));
      assertTrue(h.tables(ServiceName.VM).contains("vms"), h.tables(ServiceName.VM).toString());
      var stub = VmServiceGrpc.newBlockingStub(h.channel(ServiceName.VM));
      assertEquals(0, stub.listVms(ListVmsRequest.getDefaultInstance()).getVmsCount());

      refused(
          Status.Code.INVALID_ARGUMENT,
          "must be 1-63 of a-z",
          () ->
              stub.createVm(CreateVmRequest.newBuilder().setName("Bad_Name").build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "request_id is 200 characters; at most 128 are allowed",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder()
                          .setName("ok")
                          .setRequestId("r".repeat(200))
                          .build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "request_id may hold only printable ASCII without spaces; character 2" + " is U+0000",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder().setName("ok").setRequestId("a\u0000b").build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "looks like a VM id",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder()
                          .setName("3f0c2a1e-0000-4000-8000-000000000001")
                          .build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "vcpu must be 1..64, got 99",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder()
                          .setName("ok")
                          .setSpec(VmSpec.newBuilder().setVcpu(99))
                          .build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "work_disk_bytes must be",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder()
                          .setName("ok")
                          .setSpec(VmSpec.newBuilder().setWorkDiskBytes(4096))
                          .build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "is not the one this host runs",
          () ->
              stub.createVm(
                      CreateVmRequest.newBuilder()
                          .setName("ok")
                          .setSpec(VmSpec.newBuilder().setDriver("xen"))
                          .build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.NOT_FOUND,
          "image \"nope\" not found; pull it with 'banger image pull nope'",
          () ->
              stub.createVm(CreateVmRequest.newBuilder().setName("ok").setImage("nope").build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.NOT_FOUND,
          "image \"debian-bookworm\" not found",
          () ->
              stub.createVm(CreateVmRequest.newBuilder().setName("ok").build())
                  .forEachRemaining(r -> {}));
      refused(
          Status.Code.NOT_FOUND,
          "vm \"ghost\" not found",
          () -> stub.getVm(GetVmRequest.newBuilder().setVm("ghost").build()));
      refused(
          Status.Code.NOT_FOUND,
          "vm \"ghost\" not found",
          () -> stub.stopVm(StopVmRequest.newBuilder().setVm("ghost").build()));
      refused(
          Status.Code.INVALID_ARGUMENT,
          "vm (an id or name) is required",
          () -> stub.getVm(GetVmRequest.getDefaultInstance()));

      assertEquals(
          0, stub.listVms(ListVmsRequest.getDefaultInstance()).getVmsCount(), "no record was left");
      assertEquals(0, stub.pruneVms(PruneVmsRequest.getDefaultInstance()).getDeletedCount());
      assertTrue(
          Files.notExists(h.layout().vms()) || Files.list(h.layout().vms()).findAny().isEmpty(),
          "no VM directory was made");
      Path key = h.layout().libDir().resolve("ssh/id_ed25519");
      assertTrue(Files.exists(key), "the owner's key is made at start-up: " + List.of(key));
    }
  }

  private static void refused(Status.Code code, String words, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertTrue(e.getStatus().getDescription().contains(words), e.getStatus().getDescription());
    assertTrue(Errors.errorInfo(e).isPresent(), "ErrorInfo attached: " + e);
  }
}
