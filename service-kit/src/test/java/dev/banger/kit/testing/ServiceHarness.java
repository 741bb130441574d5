package dev.banger.kit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Module;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.service.KitModule;
import dev.banger.kit.service.ServiceHost;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;

/**
 * Runs real services (real sockets, real SQLite) in a temporary state dir for module tests. Close
 * it to stop them and drop the channels.
 */
public final class ServiceHarness implements AutoCloseable {

  private final StateLayout layout;
  private final ServiceHost host;
  private final List<ManagedChannel> channels = new ArrayList<>();

  private ServiceHarness(StateLayout layout, ServiceHost host) {
    this.layout = layout;
    this.host = host;
  }

  public static ServiceHarness start(Path stateDir, Module... serviceModules) throws Exception {
    return start(stateDir, BangerConfig.defaults(), serviceModules);
  }

  /** The same with a config, as if read from config.toml (e.g. parsed by ConfigLoader.parse). */
  public static ServiceHarness start(Path stateDir, BangerConfig config, Module... serviceModules)
      throws Exception {
    StateLayout layout = StateLayout.under(stateDir);
    List<Module> modules = new ArrayList<>(List.of(serviceModules));
    modules.add(new KitModule(config, layout, true));
    ServiceHost host = Guice.createInjector(modules).getInstance(ServiceHost.class);
    host.start();
    return new ServiceHarness(layout, host);
  }

  public StateLayout layout() {
    return layout;
  }

  public ManagedChannel channel(ServiceName s) {
    ManagedChannel ch = UnixChannels.forSocket(layout.socket(s));
    channels.add(ch);
    return ch;
  }

  public HealthCheckResponse.ServingStatus health(ServiceName s, String service) {
    return HealthGrpc.newBlockingStub(channel(s))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /**
   * Asserts the call fails with UNIMPLEMENTED, a NOT_YET_IMPLEMENTED ErrorInfo, and a message
   * naming the issue.
   */
  public static void assertPending(Executable call, String methodFullName, String issueMention) {
    try {
      call.execute();
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.toString());
      assertTrue(
          e.getStatus().getDescription().contains(methodFullName), e.getStatus().getDescription());
      assertTrue(
          e.getStatus().getDescription().contains(issueMention), e.getStatus().getDescription());
      assertEquals("NOT_YET_IMPLEMENTED", Errors.errorInfo(e).orElseThrow().getReason());
      return;
    } catch (Throwable t) {
      throw new AssertionError("expected UNIMPLEMENTED, got " + t, t);
    }
    throw new AssertionError(methodFullName + " answered as if implemented");
  }

  /** Table names of a service's database, read through a fresh connection. */
  public List<String> tables(ServiceName s) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + layout.database(s));
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    host.close();
  }
}
