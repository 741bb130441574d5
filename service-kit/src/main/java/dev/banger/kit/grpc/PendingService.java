package dev.banger.kit.grpc;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Serves a proto service whose methods are not built yet: every call gets UNIMPLEMENTED with a
 * sentence saying what will provide it, never a fake success. The service still appears in
 * reflection, so clients can discover the whole API surface today.
 */
public final class PendingService implements BindableService {

  private final ServiceDescriptor descriptor;
  private final String detail;
  private final Map<String, ServerMethodDefinition<?, ?>> implemented;

  private PendingService(
      ServiceDescriptor descriptor,
      String detail,
      Map<String, ServerMethodDefinition<?, ?>> implemented) {
    this.descriptor = descriptor;
    this.detail = detail;
    this.implemented = implemented;
  }

  /** Every method of {@code descriptor} answers UNIMPLEMENTED with {@code detail}. */
  public static PendingService of(ServiceDescriptor descriptor, String detail) {
    return new PendingService(descriptor, detail, Map.of());
  }

  /**
   * Methods implemented by {@code partial} are served by it; the rest answer UNIMPLEMENTED. Lets a
   * service grow method by method while staying honest.
   */
  public static PendingService partially(
      BindableService partial, Set<String> implementedMethodNames, String detail) {
    ServerServiceDefinition def = partial.bindService();
    // Kept as a map, not a ServerServiceDefinition: a definition must bind every method of its
    // descriptor.
    Map<String, ServerMethodDefinition<?, ?>> only = new HashMap<>();
    for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
      if (implementedMethodNames.contains(m.getMethodDescriptor().getBareMethodName())) {
        only.put(m.getMethodDescriptor().getFullMethodName(), m);
      }
    }
    return new PendingService(def.getServiceDescriptor(), detail, Map.copyOf(only));
  }

  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor);
    for (MethodDescriptor<?, ?> m : descriptor.getMethods()) {
      ServerMethodDefinition<?, ?> existing = implemented.get(m.getFullMethodName());
      if (existing != null) {
        b.addMethod(existing);
      } else {
        addUnimplemented(b, m);
      }
    }
    return b.build();
  }

  private <Q, R> void addUnimplemented(
      ServerServiceDefinition.Builder b, MethodDescriptor<Q, R> m) {
    ServerCallHandler<Q, R> handler =
        (call, headers) -> {
          Errors.close(call, Errors.unimplemented(m.getFullMethodName(), detail));
          return new io.grpc.ServerCall.Listener<>() {};
        };
    b.addMethod(m, handler);
  }
}
