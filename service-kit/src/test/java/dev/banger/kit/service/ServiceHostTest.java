package dev.banger.kit.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.process.ScriptedCommandRunner;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.BindableService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceHostTest {

  @TempDir Path dir;

  private static BangerService service(ServiceName name, AtomicInteger stops, boolean fail) {
    return new BangerService() {
      @Override
      public ServiceName name() {
        return name;
      }

      @Override
      public String migrations() {
        return "db/migration/testsvc";
      }

      @Override
      public List<BindableService> start(ServiceContext context) {
        if (fail) {
          throw new IllegalStateException(name.id() + " cannot start: test failure");
        }
        return List.of();
      }

      @Override
      public void stop() {
        stops.incrementAndGet();
      }
    };
  }

  private ServiceHost host(String toml, BangerService... services) throws Exception {
    var config = ConfigLoader.parse(toml, "test.toml");
    return new ServiceHost(
        Set.of(services),
        config,
        StateLayout.under(dir),
        new ScriptedCommandRunner(),
        new UserDirectory(),
        true,
        dev.banger.kit.config.LiveConfig.fixed(config));
  }

  @Test
  void twoServicesConfiguredOnOneSocketAreRefusedBeforeAnythingStarts() throws Exception {
    String sock = dir.resolve("shared.sock").toString();
    AtomicInteger stops = new AtomicInteger();
    ServiceHost h =
        host(
            "[services.vm]\nsocket = \"" + sock + "\"\n[services.net]\nsocket = \"" + sock + "\"\n",
            service(ServiceName.VM, stops, false),
            service(ServiceName.NET, stops, false));
    ConfigException e = assertThrows(ConfigException.class, h::start);
    assertTrue(
        e.getMessage().contains("services.net and services.vm")
            || e.getMessage().contains("services.vm and services.net"),
        e.getMessage());
    assertFalse(Files.exists(Path.of(sock)));
    assertFalse(Files.exists(dir.resolve("run")), "nothing was laid out");
  }

  @Test
  void oneServiceFailingStopsTheOthersAndLeavesNoSocket() throws Exception {
    AtomicInteger stops = new AtomicInteger();
    ServiceHost h =
        host("", service(ServiceName.VM, stops, false), service(ServiceName.NET, stops, true));
    IllegalStateException e = assertThrows(IllegalStateException.class, h::start);
    assertTrue(e.getMessage().contains("net cannot start"), e.getMessage());
    assertEquals(1, stops.get(), "the started vm service was stopped");
    try (var files = Files.list(dir.resolve("run"))) {
      assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".sock")).toList());
    }
  }
}
