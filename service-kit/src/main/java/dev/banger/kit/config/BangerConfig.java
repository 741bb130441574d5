package dev.banger.kit.config;

import dev.banger.kit.state.ServiceName;
import java.util.Map;

/**
 * The whole of {@code /etc/banger/config.toml} this build understands. Later issues add their
 * sections here; unknown keys are rejected so a typo never silently falls back to a default.
 *
 * @param owner the user banger works for (user name or uid); in the all-in-one mode, the user
 *     running bangerd when unset
 * @param shutdownGraceSeconds how long in-flight calls may run after SIGTERM
 * @param services per-service socket and access settings
 * @param image image-service's pull settings
 * @param net net-service's bridge, tap pool, leases and NAT
 * @param vm vm-service's defaults, driver and timeouts
 * @param fileSync {@code [[file_sync]]}: host files copied onto every VM's work disk at start
 * @param vmDefaults {@code [vm_defaults]}: a VM's size when its create gives none (VmSizing)
 */
public record BangerConfig(
    String owner,
    Integer shutdownGraceSeconds,
    Map<String, ServiceConfig> services,
    ImageConfig image,
    NetConfig net,
    VmConfig vm,
    java.util.List<FileSyncEntry> fileSync,
    VmDefaults vmDefaults) {

  /** The default VM size on this host, and where each part of it came from. */
  public VmSizing.Resolved vmSizing(VmSizing.Host host) {
    return VmSizing.resolve(vmDefaults, vm, host);
  }

  public java.util.List<FileSyncEntry> fileSyncOrEmpty() {
    return fileSync == null ? java.util.List.of() : fileSync;
  }

  public VmConfig vmOrDefaults() {
    return vm == null ? VmConfig.empty() : vm;
  }

  public ImageConfig imageOrDefaults() {
    return image == null ? ImageConfig.empty() : image;
  }

  public NetConfig netOrDefaults() {
    return net == null ? NetConfig.empty() : net;
  }

  public static final int DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;

  public static BangerConfig defaults() {
    return new BangerConfig(null, null, Map.of(), null, null, null, null, null);
  }

  public ServiceConfig service(ServiceName s) {
    ServiceConfig c = services == null ? null : services.get(s.id());
    return c == null ? ServiceConfig.empty() : c;
  }

  /** Where service {@code s} listens: its configured socket, else the layout's default. */
  public java.nio.file.Path socketPath(ServiceName s, dev.banger.kit.state.StateLayout layout) {
    String configured = service(s).socket();
    return configured != null ? java.nio.file.Path.of(configured) : layout.socket(s);
  }

  public int shutdownGrace() {
    return shutdownGraceSeconds == null ? DEFAULT_SHUTDOWN_GRACE_SECONDS : shutdownGraceSeconds;
  }
}
