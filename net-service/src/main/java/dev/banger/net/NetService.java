package dev.banger.net;

import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.grpc.PendingService;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.util.List;

/**
 * net-service as of the foundation: its database is migrated and its socket serves health,
 * reflection and operations; every NetServiceGrpc method answers UNIMPLEMENTED with what will provide it.
 */
public final class NetService implements BangerService {

  /** Told to callers of methods not built yet. */
  static final String PENDING = "bridge, taps, leases, NAT and DNS are not built in this release (issue #5)";

  @Override
  public ServiceName name() {
    return ServiceName.NET;
  }

  @Override
  public List<BindableService> start(ServiceContext context) {
    return List.of(PendingService.of(NetServiceGrpc.getServiceDescriptor(), PENDING));
  }
}
