package dev.banger.kit.grpc;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.Set;

/**
 * Serves a proto service whose methods are not built yet: every call gets UNIMPLEMENTED with a
 * sentence saying what will provide it, never a fake success. The service still appears in
 * reflection, so clients can discover the whole API surface today.
 */
public final class PendingService implements BindableService {

  private final ServiceDescriptor descriptor;
  private final String detail;
  private final ServerServiceDefinition implemented;

  private PendingService(ServiceDescriptor descriptor, String detail, ServerServiceDefinition implemented) {
    this.descriptor = descriptor;
    this.detail = detail;
    this.implemented = implemented;
  }

  /** Every method of {@code descriptor} answers UNIMPLEMENTED with {@code detail}. */
  public static PendingService of(ServiceDescriptor descriptor, String detail) {
    return new PendingService(descriptor, detail, null);
  }

  /**
   * Methods implemented by {@code partial} are served by it; the rest answer UNIMPLEMENTED. Lets
   * a service grow method by method while staying honest.
   */
  public static PendingService partially(BindableService partial, Set<String> implementedMethodNames, String detail) {
    ServerServiceDefinition def = partial.bindService();
    ServerServiceDefinition.Builder only = ServerServiceDefinition.builder(def.getServiceDescriptor());
    for (var m : def.getMethods()) {
      if (implementedMethodNames.contains(m.getMethodDescriptor().getBareMethodName())) {
        only.addMethod(m);
      }
    }
    return new PendingService(def.getServiceDescriptor(), detail, only.build());
  }

  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor);
    for (MethodDescriptor<?, ?> m : descriptor.getMethods()) {
      var existing = implemented == null ? null : implemented.getMethod(m.getFullMethodName());
      if (existing != null) {
        b.addMethod(existing);
      } else {
        addUnimplemented(b, m);
      }
    }
    return b.build();
  }

  private <Q, R> void addUnimplemented(ServerServiceDefinition.Builder b, MethodDescriptor<Q, R> m) {
    ServerCallHandler<Q, R> handler = (call, headers) -> {
      Errors.close(call, Errors.unimplemented(m.getFullMethodName(), detail));
      return new io.grpc.ServerCall.Listener<>() {};
    };
    b.addMethod(m, handler);
  }
}
