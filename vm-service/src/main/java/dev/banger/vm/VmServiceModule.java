package dev.banger.vm;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import dev.banger.kit.service.BangerService;

/** Installs vm-service into a bangerd process; usable alone or beside the other three. */
public final class VmServiceModule extends AbstractModule {
  @Override
  protected void configure() {
    Multibinder.newSetBinder(binder(), BangerService.class).addBinding().to(VmService.class);
  }
}
