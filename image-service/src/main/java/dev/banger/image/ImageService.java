package dev.banger.image;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.kit.grpc.PendingService;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.util.List;

/**
 * image-service as of the foundation: its database is migrated and its socket serves health,
 * reflection and operations; every ImageServiceGrpc method answers UNIMPLEMENTED with what will provide it.
 */
public final class ImageService implements BangerService {

  /** Told to callers of methods not built yet. */
  static final String PENDING = "image-service's pull pipeline, kernels and catalog are not built in this release (issue #4)";

  @Override
  public ServiceName name() {
    return ServiceName.IMAGE;
  }

  @Override
  public List<BindableService> start(ServiceContext context) {
    return List.of(PendingService.of(ImageServiceGrpc.getServiceDescriptor(), PENDING));
  }
}
