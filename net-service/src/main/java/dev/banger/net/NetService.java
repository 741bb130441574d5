package dev.banger.net;

import com.google.inject.Inject;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.NetConfig;
import dev.banger.kit.grpc.PendingService;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.HostIdentity;
import dev.banger.kit.state.ServiceName;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpForwarding;
import dev.banger.net.host.Netns;
import dev.banger.net.host.Nft;
import io.grpc.BindableService;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * net-service (docs/architecture.md §6, docs/net-service.md): bridge, taps and warm pool, IPv4
 * leases, per-VM NAT in banger's own nftables table, clone networks ({@link CloneNetworks}), and
 * the .vm DNS server ({@link VmDns}), whose records follow the leases through {@link LeaseEvents}.
 * Reconciles the host at start-up.
 */
public final class NetService implements BangerService {

  private static final Logger LOG = LoggerFactory.getLogger(NetService.class);

  /** Told to callers of SetDnsRecord and DeleteDnsRecord. */
  static final String DNS_PENDING =
      ".vm records follow the leases (LeaseIp, RenameLease, ReleaseIp); records set by"
          + " hand are not supported in this release";

  private final LeaseEvents events;
  private final UserDirectory users;
  private TapPool pool;
  private VmDns dns;

  @Inject
  public NetService(LeaseEvents events, UserDirectory users) {
    this.events = events;
    this.users = users;
  }

  @Override
  public ServiceName name() {
    return ServiceName.NET;
  }

  @Override
  public List<BindableService> start(ServiceContext context) throws Exception {
    NetConfig cfg = context.config().netOrDefaults();
    Ip ip = new Ip(context.commands(), users);
    HostSettings settings = new HostSettings(context.database());
    TapMarks marks = new TapMarks(settings.installId());
    BridgeStore bridgeStore = new BridgeStore(context.database());
    LeaseStore leaseStore = new LeaseStore(context.database());
    Bridges bridges = new Bridges(ip, bridgeStore, cfg.bridgeOrDefault(), cfg.cidrOrDefault());
    Leases leases =
        new Leases(leaseStore, bridgeStore, events, Clock.systemUTC(), cfg.leaseQuarantine());
    events.source(
        () -> {
          try {
            return leaseStore.all();
          } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read leases: " + e.getMessage(), e);
          }
        });
    PendingLinks pending = new PendingLinks(settings);
    pending.clearLeftovers(ip); // before reconcile, which leaves unmarked links alone
    pool = new TapPool(ip, marks, cfg.tapPoolSizeOrDefault(), poolOwner(context), pending);
    Taps taps = new Taps(ip, marks, pool, pending);
    CloneNetworks clones =
        new CloneNetworks(ip, new Netns(context.commands(), Netns.RUN), marks, taps);
    Nat nat =
        new Nat(
            new Nft(context.commands()),
            ip,
            new IpForwarding(IpForwarding.PROC),
            settings,
            cfg.uplinkOverride());
    dns = new VmDns(cfg.dnsPortOrDefault());
    VmNetworking net = new VmNetworking(bridges, leases, taps, clones, pool, nat, dns);
    try {
      new Reconciler(ip, marks, bridges, leases, taps, clones, pool, net).run();
      events.subscribe(dns); // replays every lease into the zone
      dns.listen(cfg.dnsListenAddresses());
      for (BridgeRecord b : bridges.all()) {
        dns.bridgeUp(b.name(), b.cidr());
      }
    } catch (Exception e) {
      stop();
      throw e;
    }
    LOG.info(
        "net-service: bridge {} {}, tap pool {} for uid {}, install id {}",
        cfg.bridgeOrDefault(),
        cfg.cidrOrDefault(),
        cfg.tapPoolSizeOrDefault(),
        pool.ownerUid(),
        settings.installId());
    return List.of(
        PendingService.partially(
            new NetGrpcService(net, cfg.bridgeOrDefault(), dns.zone()),
            NetGrpcService.IMPLEMENTED,
            DNS_PENDING));
  }

  /**
   * Warm taps are made for the owner (vm-service's user): config's owner, else this process's uid.
   */
  private long poolOwner(ServiceContext context) throws ConfigException {
    String owner = context.config().owner();
    if (owner == null) {
      return HostIdentity.currentUid();
    }
    if (owner.matches("[0-9]{1,10}")) {
      return Long.parseLong(owner);
    }
    return users
        .uidOf(owner)
        .orElseThrow(
            () -> new ConfigException("config owner \"" + owner + "\" is not a user on this host"));
  }

  @Override
  public void stop() {
    if (dns != null) {
      events.unsubscribe(dns);
      dns.close();
    }
    if (pool != null) {
      pool.close();
    }
  }
}
