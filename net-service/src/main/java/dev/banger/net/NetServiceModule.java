package dev.banger.net;

import com.google.inject.AbstractModule;
import com.google.inject.Scopes;
import com.google.inject.multibindings.Multibinder;
import dev.banger.kit.service.BangerService;

/**
 * Installs net-service into a bangerd process; usable alone or beside the other three. {@link
 * LeaseEvents} is a singleton so the DNS server can subscribe to the same leases.
 */
public final class NetServiceModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(LeaseEvents.class).in(Scopes.SINGLETON);
    Multibinder.newSetBinder(binder(), BangerService.class).addBinding().to(NetService.class);
  }
}
