package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stub's pre-boot resources (machine-config, boot-source, drives, network-interfaces, vsock,
 * logger, metrics), each checked at its PUT as Firecracker checks it, files opened there. Whether
 * the microVM has started is {@link FirecrackerApiStub}'s to say: the resources Firecracker refuses
 * once started ask it first, after the body parsed. Used only under the stub's lock.
 */
final class StubConfiguration {

  /** The lifecycle's check that the microVM has not started: throws otherwise. */
  interface PreBoot {
    void check() throws StubFault;
  }

  private final PreBoot preBoot;
  private ObjectNode machineConfig;
  private ObjectNode bootSource;
  private final Map<String, ObjectNode> drives = new LinkedHashMap<>();
  private final Map<String, ObjectNode> ifaces = new LinkedHashMap<>();
  private ObjectNode vsock;
  private ObjectNode logger;
  private ObjectNode metrics;

  StubConfiguration(PreBoot preBoot) {
    this.preBoot = preBoot;
  }

  ObjectNode machineConfig() {
    return machineConfig;
  }

  /** What GET /machine-config answers: the one PUT, else Firecracker's default. */
  ObjectNode machineConfigOrDefault() {
    return machineConfig != null
        ? machineConfig
        : FirecrackerApi.JSON
            .createObjectNode()
            .put("vcpu_count", 1)
            .put("mem_size_mib", 128)
            .put("smt", false);
  }

  ObjectNode bootSource() {
    return bootSource;
  }

  boolean hasRootDrive() {
    return drives.values().stream().anyMatch(d -> d.get("is_root_device").asBoolean());
  }

  boolean metricsInitialized() {
    return metrics != null;
  }

  /** Whether any boot-specific resource is configured: a snapshot loads only where none is. */
  boolean bootSpecific() {
    return machineConfig != null || bootSource != null || !drives.isEmpty() || !ifaces.isEmpty();
  }

  /** What a snapshot records of the configuration, for {@link StubSnapshots#create}. */
  ObjectNode snapshot() {
    ObjectNode config = FirecrackerApi.JSON.createObjectNode();
    config.set("machine_config", machineConfig);
    config.set("boot_source", bootSource);
    config.set("drives", FirecrackerApi.JSON.valueToTree(drives.values()));
    config.set("network_interfaces", FirecrackerApi.JSON.valueToTree(ifaces.values()));
    return config;
  }

  /** Takes on the configuration a snapshot recorded, as {@link StubSnapshots#load} read it. */
  void restore(ObjectNode saved) {
    machineConfig = (ObjectNode) saved.get("machine_config");
    bootSource = (ObjectNode) saved.get("boot_source");
    saved.path("drives").forEach(d -> drives.put(d.get("drive_id").asText(), (ObjectNode) d));
    saved
        .path("network_interfaces")
        .forEach(n -> ifaces.put(n.get("iface_id").asText(), (ObjectNode) n));
  }

  /** Firecracker's checked_id: non-empty, alphanumeric or '_'. */
  static String checkedId(String id) throws StubFault {
    if (id == null || id.isEmpty()) {
      throw new StubFault("The ID cannot be empty.");
    }
    if (!id.chars().allMatch(c -> c == '_' || Character.isLetterOrDigit(c))) {
      throw new StubFault(
          "API Resource IDs can only contain alphanumeric characters and underscores.");
    }
    return id;
  }

  void putMachineConfig(ObjectNode c) throws StubFault {
    preBoot.check();
    long vcpus = c.get("vcpu_count").asLong();
    boolean smt = c.path("smt").asBoolean(false);
    if (vcpus < 1 || vcpus > 32 || (smt && vcpus > 1 && vcpus % 2 != 0)) {
      throw new StubFault(
          "The vCPU number is invalid! The vCPU number can only be 1 or an even number when SMT is enabled.");
    }
    if (c.get("mem_size_mib").asLong() == 0) {
      throw new StubFault("The memory size (MiB) is invalid.");
    }
    if ("2M".equals(c.path("huge_pages").asText()) && c.get("mem_size_mib").asLong() % 2 != 0) {
      throw new StubFault(
          "The memory size (MiB) is invalid: with 2M huge pages it must be a multiple of 2.");
    }
    machineConfig = c;
  }

  void putBootSource(ObjectNode b) throws StubFault {
    preBoot.check();
    openable(b.get("kernel_image_path").asText(), "The kernel file cannot be opened: ");
    if (b.hasNonNull("initrd_path")) {
      openable(
          b.get("initrd_path").asText(),
          "The initrd file cannot be opened due to invalid path or invalid permissions. ");
    }
    String args = b.path("boot_args").asText("");
    if (args.length() > FirecrackerSetup.MAX_CMDLINE) {
      throw new StubFault("The kernel command line is invalid: Command line too large");
    }
    if (args.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7e)) {
      throw new StubFault(
          "The kernel command line is invalid: String contains an invalid character");
    }
    bootSource = b;
  }

  void putDrive(String id, ObjectNode d) throws StubFault {
    preBoot.check();
    if (!d.get("drive_id").asText().equals(id)) {
      throw new StubFault("The id from the path does not match the id from the body!");
    }
    if (d.hasNonNull("socket")) {
      throw new StubFault("The banger stub does not implement vhost-user-block drives.");
    }
    if (!d.hasNonNull("path_on_host") || !d.hasNonNull("is_read_only")) {
      throw new StubFault(
          "Unable to create the virtio block device: path_on_host and is_read_only are required.");
    }
    Path p = Path.of(d.get("path_on_host").asText());
    if (!Files.exists(p)) {
      throw new StubFault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": No such file or directory (os error 2)");
    }
    if (Files.isDirectory(p)) {
      throw new StubFault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": Is a directory (os error 21)");
    }
    boolean ro = d.get("is_read_only").asBoolean();
    if (!Files.isReadable(p) || (!ro && !Files.isWritable(p))) {
      throw new StubFault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": Permission denied (os error 13)");
    }
    if (d.get("is_root_device").asBoolean()
        && drives.entrySet().stream()
            .anyMatch(
                e -> !e.getKey().equals(id) && e.getValue().get("is_root_device").asBoolean())) {
      throw new StubFault("A root block device already exists!");
    }
    drives.put(id, d);
  }

  void putIface(String id, ObjectNode n) throws StubFault {
    preBoot.check();
    if (!n.get("iface_id").asText().equals(id)) {
      throw new StubFault("The id from the path does not match the id from the body!");
    }
    String mac = n.path("guest_mac").asText(null);
    if (mac != null && !mac.matches("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")) {
      throw new StubFault(FirecrackerApiStub.DESERIALIZE + "invalid MAC address `" + mac + "`.");
    }
    String tap = n.get("host_dev_name").asText();
    if (tap.isEmpty()
        || tap.length() > 15
        || tap.contains("/")
        || tap.chars().anyMatch(Character::isWhitespace)) {
      throw new StubFault(
          "Could not create the network device: Open tap device failed: Invalid interface name "
              + tap);
    }
    for (Map.Entry<String, ObjectNode> e : ifaces.entrySet()) {
      if (e.getKey().equals(id)) {
        continue;
      }
      if (e.getValue().get("host_dev_name").asText().equals(tap)) {
        throw new StubFault("The host device name " + tap + " is already in use.");
      }
      if (mac != null && mac.equalsIgnoreCase(e.getValue().path("guest_mac").asText(""))) {
        throw new StubFault("The MAC address is already in use: " + mac);
      }
    }
    ifaces.put(id, n);
  }

  void putVsock(ObjectNode v) throws StubFault {
    preBoot.check();
    if (v.get("guest_cid").asLong() < 3) {
      throw new StubFault("Cannot create backend for vsock device: guest_cid must be at least 3.");
    }
    Path uds = Path.of(v.get("uds_path").asText());
    if (Files.exists(uds) || uds.getParent() == null || !Files.isDirectory(uds.getParent())) {
      throw new StubFault("Cannot create backend for vsock device: cannot bind " + uds);
    }
    vsock = v;
  }

  void putLogger(ObjectNode l) throws StubFault {
    if (l.hasNonNull("log_path")) {
      openable(l.get("log_path").asText(), "Failed to open target file: ");
    }
    logger = l;
  }

  void putMetrics(ObjectNode m) throws StubFault {
    if (metrics != null) {
      throw new StubFault("Reinitialization of metrics not allowed.");
    }
    openable(m.get("metrics_path").asText(), "Failed to open target file: ");
    metrics = m;
  }

  private static void openable(String path, String prefix) throws StubFault {
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      throw new StubFault(prefix + "No such file or directory (os error 2)");
    }
    if (!Files.isReadable(p) || Files.isDirectory(p)) {
      throw new StubFault(
          prefix
              + (Files.isDirectory(p)
                  ? "Is a directory (os error 21)"
                  : "Permission denied (os error 13)"));
    }
  }
}
