package dev.banger.vm;

import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.grpc.PendingService;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.util.List;

/**
 * vm-service as of the foundation: its database is migrated and its socket serves health,
 * reflection and operations; every VmServiceGrpc method answers UNIMPLEMENTED with what will provide it.
 */
public final class VmService implements BangerService {

  /** Told to callers of methods not built yet. */
  static final String PENDING = "the VM lifecycle is not built in this release (issue #6)";

  @Override
  public ServiceName name() {
    return ServiceName.VM;
  }

  @Override
  public List<BindableService> start(ServiceContext context) {
    return List.of(PendingService.of(VmServiceGrpc.getServiceDescriptor(), PENDING));
  }
}
