package dev.banger.vm;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.banger.kit.service.BangerService;

/**
 * Installs vm-service into a bangerd process; usable alone or beside the other three. Tests may
 * override the {@link StepFaults} binding (OptionalBinder.setBinding) to inject start failures.
 */
public final class VmServiceModule extends AbstractModule {
  @Override
  protected void configure() {
    OptionalBinder.newOptionalBinder(binder(), StepFaults.class).setDefault().toInstance(StepFaults.NONE);
    Multibinder.newSetBinder(binder(), BangerService.class).addBinding().to(VmService.class);
  }
}
