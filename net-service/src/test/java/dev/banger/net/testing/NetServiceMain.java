package dev.banger.net.testing;

import com.google.inject.Guice;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.service.KitModule;
import dev.banger.kit.service.ServiceHost;
import dev.banger.kit.state.StateLayout;
import dev.banger.net.NetServiceModule;
import java.nio.file.Path;

/**
 * net-service alone in a process, the way tests and the benchmark run it inside a network namespace
 * ({@code ip netns exec NS java … NetServiceMain STATE_DIR CONFIG}): a JVM cannot move one thread
 * into a namespace, so the service gets a process of its own and is reached over its Unix socket,
 * which works across namespaces. Prints {@link #READY} once serving.
 */
public final class NetServiceMain {

  public static final String READY = "net-service-main: serving";

  private NetServiceMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: NetServiceMain STATE_DIR CONFIG_TOML");
      System.exit(2);
    }
    BangerConfig cfg = ConfigLoader.load(Path.of(args[1]));
    ServiceHost host =
        Guice.createInjector(
                new NetServiceModule(),
                new KitModule(cfg, StateLayout.under(Path.of(args[0])), true))
            .getInstance(ServiceHost.class);
    Runtime.getRuntime().addShutdownHook(new Thread(host::close, "net-service-main-stop"));
    try {
      host.start();
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println(READY);
    System.out.flush();
    Thread.currentThread().join();
  }
}
