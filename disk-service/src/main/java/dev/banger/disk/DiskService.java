package dev.banger.disk;

import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.kit.grpc.PendingService;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.util.List;

/**
 * disk-service as of the foundation: its database is migrated and its socket serves health,
 * reflection and operations; every DiskServiceGrpc method answers UNIMPLEMENTED with what will provide it.
 */
public final class DiskService implements BangerService {

  /** Told to callers of methods not built yet. */
  static final String PENDING = "the ext4 toolkit, overlays and work disks are not built in this release (issue #3)";

  @Override
  public ServiceName name() {
    return ServiceName.DISK;
  }

  @Override
  public List<BindableService> start(ServiceContext context) {
    return List.of(PendingService.of(DiskServiceGrpc.getServiceDescriptor(), PENDING));
  }
}
