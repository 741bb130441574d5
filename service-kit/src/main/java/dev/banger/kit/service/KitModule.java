package dev.banger.kit.service;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.LiveConfig;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.state.StateLayout;

/**
 * What every service shares: config, state layout, the host command runner and the user directory.
 * Install it once, then any number of service modules.
 */
public final class KitModule extends AbstractModule {

  private final BangerConfig config;
  private final StateLayout layout;
  private final boolean allInOne;
  private final LiveConfig live;

  public KitModule(BangerConfig config, StateLayout layout, boolean allInOne) {
    this(config, layout, allInOne, LiveConfig.fixed(config));
  }

  /**
   * @param live the config file as it is now, for what services take without a restart
   */
  public KitModule(BangerConfig config, StateLayout layout, boolean allInOne, LiveConfig live) {
    this.config = config;
    this.layout = layout;
    this.allInOne = allInOne;
    this.live = live;
  }

  @Override
  protected void configure() {
    bind(BangerConfig.class).toInstance(config);
    bind(LiveConfig.class).toInstance(live);
    bind(StateLayout.class).toInstance(layout);
    bind(Boolean.class).annotatedWith(AllInOne.class).toInstance(allInOne);
    bind(CommandRunner.class).to(HostCommandRunner.class);
    bind(UserDirectory.class).toInstance(new UserDirectory());
    // Declared here so a host with no service modules still gets an (empty) set.
    Multibinder.newSetBinder(binder(), BangerService.class);
  }
}
