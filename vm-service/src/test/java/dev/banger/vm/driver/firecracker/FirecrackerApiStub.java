package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.vm.driver.firecracker.StubHttpServer.Reply;
import dev.banger.vm.driver.firecracker.StubHttpServer.Request;
import dev.banger.vm.driver.firecracker.StubSchema.Mismatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Firecracker's API semantics, as its swagger and request parsers define them, for tests: body
 * shapes checked strictly ({@link StubSchema}), ids checked, files opened where Firecracker opens
 * them (kernel, initrd and drives at PUT; the kernel loaded as ELF at InstanceStart, so a bzImage
 * fails there), pre-boot resources refused once started, actions only in the right state, and an
 * unknown method/path answered 400 "Invalid request method and/or path" as Firecracker does. Two
 * checks are banger's, stricter than Firecracker (which defaults the machine config and can boot
 * without a drive): InstanceStart needs PUT /machine-config and a root drive. Every call is
 * recorded in order, with the status it got.
 */
final class FirecrackerApiStub implements StubHttpServer.Handler {

  static final String VERSION = "1.10.1-banger-stub";
  static final String POST_BOOT =
      "The requested operation is not supported after starting the microVM.";
  static final String PRE_BOOT =
      "The requested operation is not supported before starting the microVM.";
  static final String DESERIALIZE =
      "An error occurred when deserializing the json body of a request: ";

  /** serde_json's strictness: trailing characters and duplicate keys are errors. */
  private static final com.fasterxml.jackson.databind.ObjectMapper STRICT =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** One request as the stub saw it, with its answer. */
  record Call(String method, String path, JsonNode body, int status, String fault) {
    /** "PUT /drives/rootfs 204": the shape tests compare. */
    String line() {
      return method + " " + path + " " + status;
    }
  }

  /** What a fake Firecracker does when the guest "boots" or gets Ctrl+Alt+Del. */
  interface Guest {
    void started(ObjectNode bootSource);

    void ctrlAltDel();
  }

  private final String instanceId;
  private final Guest guest;
  private final List<Call> calls = new ArrayList<>();
  private String state = "Not started";
  private ObjectNode machineConfig;
  private ObjectNode bootSource;
  private final Map<String, ObjectNode> drives = new LinkedHashMap<>();
  private final Map<String, ObjectNode> ifaces = new LinkedHashMap<>();
  private ObjectNode vsock;
  private ObjectNode logger;
  private ObjectNode metrics;

  FirecrackerApiStub(String instanceId, Guest guest) {
    this.instanceId = instanceId;
    this.guest = guest;
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized String state() {
    return state;
  }

  /** A 4xx answer, as a throwable so validation can stop anywhere. */
  private static final class Fault extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Fault(String message) {
      this(400, message);
    }

    Fault(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  @Override
  public synchronized Reply handle(Request r) {
    JsonNode body = null;
    Reply reply;
    try {
      if (r.body() != null) {
        try {
          body = STRICT.readTree(r.body());
          if (body == null || body.isMissingNode()) {
            throw new Fault(DESERIALIZE + "EOF while parsing a value at line 1 column 0.");
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new Fault(DESERIALIZE + e.getOriginalMessage() + ".");
        } catch (IOException e) {
          throw new Fault(DESERIALIZE + e.getMessage() + ".");
        }
      }
      reply = route(r.method(), r.path(), body);
    } catch (Fault f) {
      reply = Reply.fault(f.status, f.getMessage());
    }
    String fault =
        reply.status() / 100 == 2
            ? null
            : new FirecrackerApi.Response(reply.status(), reply.json()).faultMessage();
    calls.add(new Call(r.method(), r.path(), body, reply.status(), fault));
    return reply;
  }

  private Reply route(String method, String path, JsonNode body) throws Fault {
    String[] seg = path.replaceFirst("^/+", "").split("/", -1);
    String res = seg[0];
    String id = seg.length > 1 ? seg[1] : null;
    if (seg.length > 2
        || (id != null
            && !res.equals("drives")
            && !res.equals("network-interfaces")
            && !(res.equals("snapshot") && (id.equals("create") || id.equals("load"))))) {
      throw new Fault("Invalid request method and/or path: " + method + " " + path + ".");
    }
    if (method.equals("GET") && body != null) {
      throw new Fault("GET request cannot have a body.");
    }
    if (method.equals("PUT") && body == null) {
      throw new Fault("Empty PUT request.");
    }
    if (method.equals("PATCH") && body == null) {
      throw new Fault("Empty PATCH request.");
    }
    switch (method + " " + res) {
      case "GET " -> {
        return json(
            FirecrackerApi.JSON
                .createObjectNode()
                .put("id", instanceId)
                .put("state", state)
                .put("vmm_version", VERSION)
                .put("app_name", "Firecracker"));
      }
      case "GET version" -> {
        return json(FirecrackerApi.JSON.createObjectNode().put("firecracker_version", VERSION));
      }
      case "GET machine-config" -> {
        return json(
            machineConfig != null
                ? machineConfig
                : FirecrackerApi.JSON
                    .createObjectNode()
                    .put("vcpu_count", 1)
                    .put("mem_size_mib", 128)
                    .put("smt", false));
      }
      case "PUT machine-config" -> putMachineConfig(parse(StubSchema.MACHINE_CONFIG, body));
      case "PUT boot-source" -> putBootSource(parse(StubSchema.BOOT_SOURCE, body));
      case "PUT drives" -> putDrive(checkedId(id), parse(StubSchema.DRIVE, body));
      case "PUT network-interfaces" ->
          putIface(checkedId(id), parse(StubSchema.NETWORK_INTERFACE, body));
      case "PUT vsock" -> putVsock(parse(StubSchema.VSOCK, body));
      case "PUT logger" -> putLogger(parse(StubSchema.LOGGER, body));
      case "PUT metrics" -> putMetrics(parse(StubSchema.METRICS, body));
      case "PUT actions" -> action(parse(StubSchema.ACTION, body).get("action_type").asText());
      case "PATCH vm" -> patchVm(parse(StubSchema.VM, body).get("state").asText());
      case "PUT snapshot" -> {
        if (id.equals("create")) {
          snapshotCreate(parse(StubSchema.SNAPSHOT_CREATE, body));
        } else {
          snapshotLoad(parse(StubSchema.SNAPSHOT_LOAD, body));
        }
      }
      case "PATCH drives",
          "PATCH network-interfaces",
          "PATCH machine-config",
          "PATCH balloon",
          "PATCH mmds" ->
          throw new Fault("The banger stub does not implement " + method + " /" + res + ".");
      default ->
          throw new Fault("Invalid request method and/or path: " + method + " " + path + ".");
    }
    return new Reply(204, null);
  }

  private static Reply json(ObjectNode n) {
    return new Reply(200, n.toString());
  }

  private static ObjectNode parse(StubSchema schema, JsonNode body) throws Fault {
    try {
      return schema.check(body);
    } catch (Mismatch m) {
      throw new Fault(DESERIALIZE + m.getMessage() + ".");
    }
  }

  /** Firecracker's checked_id: non-empty, alphanumeric or '_'. */
  private static String checkedId(String id) throws Fault {
    if (id == null || id.isEmpty()) {
      throw new Fault("The ID cannot be empty.");
    }
    if (!id.chars().allMatch(c -> c == '_' || Character.isLetterOrDigit(c))) {
      throw new Fault("API Resource IDs can only contain alphanumeric characters and underscores.");
    }
    return id;
  }

  private void preBoot() throws Fault {
    if (!state.equals("Not started")) {
      throw new Fault(POST_BOOT);
    }
  }

  private void putMachineConfig(ObjectNode c) throws Fault {
    preBoot();
    long vcpus = c.get("vcpu_count").asLong();
    boolean smt = c.path("smt").asBoolean(false);
    if (vcpus < 1 || vcpus > 32 || (smt && vcpus > 1 && vcpus % 2 != 0)) {
      throw new Fault(
          "The vCPU number is invalid! The vCPU number can only be 1 or an even number when SMT is enabled.");
    }
    if (c.get("mem_size_mib").asLong() == 0) {
      throw new Fault("The memory size (MiB) is invalid.");
    }
    if ("2M".equals(c.path("huge_pages").asText()) && c.get("mem_size_mib").asLong() % 2 != 0) {
      throw new Fault(
          "The memory size (MiB) is invalid: with 2M huge pages it must be a multiple of 2.");
    }
    machineConfig = c;
  }

  private void putBootSource(ObjectNode b) throws Fault {
    preBoot();
    openable(b.get("kernel_image_path").asText(), "The kernel file cannot be opened: ");
    if (b.hasNonNull("initrd_path")) {
      openable(
          b.get("initrd_path").asText(),
          "The initrd file cannot be opened due to invalid path or invalid permissions. ");
    }
    String args = b.path("boot_args").asText("");
    if (args.length() > FirecrackerSetup.MAX_CMDLINE) {
      throw new Fault("The kernel command line is invalid: Command line too large");
    }
    if (args.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7e)) {
      throw new Fault("The kernel command line is invalid: String contains an invalid character");
    }
    bootSource = b;
  }

  private void putDrive(String id, ObjectNode d) throws Fault {
    preBoot();
    if (!d.get("drive_id").asText().equals(id)) {
      throw new Fault("The id from the path does not match the id from the body!");
    }
    if (d.hasNonNull("socket")) {
      throw new Fault("The banger stub does not implement vhost-user-block drives.");
    }
    if (!d.hasNonNull("path_on_host") || !d.hasNonNull("is_read_only")) {
      throw new Fault(
          "Unable to create the virtio block device: path_on_host and is_read_only are required.");
    }
    Path p = Path.of(d.get("path_on_host").asText());
    if (!Files.exists(p)) {
      throw new Fault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": No such file or directory (os error 2)");
    }
    if (Files.isDirectory(p)) {
      throw new Fault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": Is a directory (os error 21)");
    }
    boolean ro = d.get("is_read_only").asBoolean();
    if (!Files.isReadable(p) || (!ro && !Files.isWritable(p))) {
      throw new Fault(
          "Unable to create the virtio block device: cannot open "
              + p
              + ": Permission denied (os error 13)");
    }
    if (d.get("is_root_device").asBoolean()
        && drives.entrySet().stream()
            .anyMatch(
                e -> !e.getKey().equals(id) && e.getValue().get("is_root_device").asBoolean())) {
      throw new Fault("A root block device already exists!");
    }
    drives.put(id, d);
  }

  private void putIface(String id, ObjectNode n) throws Fault {
    preBoot();
    if (!n.get("iface_id").asText().equals(id)) {
      throw new Fault("The id from the path does not match the id from the body!");
    }
    String mac = n.path("guest_mac").asText(null);
    if (mac != null && !mac.matches("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")) {
      throw new Fault(DESERIALIZE + "invalid MAC address `" + mac + "`.");
    }
    String tap = n.get("host_dev_name").asText();
    if (tap.isEmpty()
        || tap.length() > 15
        || tap.contains("/")
        || tap.chars().anyMatch(Character::isWhitespace)) {
      throw new Fault(
          "Could not create the network device: Open tap device failed: Invalid interface name "
              + tap);
    }
    for (Map.Entry<String, ObjectNode> e : ifaces.entrySet()) {
      if (e.getKey().equals(id)) {
        continue;
      }
      if (e.getValue().get("host_dev_name").asText().equals(tap)) {
        throw new Fault("The host device name " + tap + " is already in use.");
      }
      if (mac != null && mac.equalsIgnoreCase(e.getValue().path("guest_mac").asText(""))) {
        throw new Fault("The MAC address is already in use: " + mac);
      }
    }
    ifaces.put(id, n);
  }

  private void putVsock(ObjectNode v) throws Fault {
    preBoot();
    if (v.get("guest_cid").asLong() < 3) {
      throw new Fault("Cannot create backend for vsock device: guest_cid must be at least 3.");
    }
    Path uds = Path.of(v.get("uds_path").asText());
    if (Files.exists(uds) || uds.getParent() == null || !Files.isDirectory(uds.getParent())) {
      throw new Fault("Cannot create backend for vsock device: cannot bind " + uds);
    }
    vsock = v;
  }

  private void putLogger(ObjectNode l) throws Fault {
    if (l.hasNonNull("log_path")) {
      openable(l.get("log_path").asText(), "Failed to open target file: ");
    }
    logger = l;
  }

  private void putMetrics(ObjectNode m) throws Fault {
    if (metrics != null) {
      throw new Fault("Reinitialization of metrics not allowed.");
    }
    openable(m.get("metrics_path").asText(), "Failed to open target file: ");
    metrics = m;
  }

  private void action(String type) throws Fault {
    switch (type) {
      case "InstanceStart" -> start();
      case "SendCtrlAltDel" -> {
        if (!state.equals("Running")) {
          throw new Fault(PRE_BOOT);
        }
        guest.ctrlAltDel();
      }
      case "FlushMetrics" -> {
        if (metrics == null) {
          throw new Fault("The metrics system is not initialized.");
        }
      }
      default -> throw new Fault(DESERIALIZE + "unknown variant `" + type + "`.");
    }
  }

  private void start() throws Fault {
    preBoot();
    if (bootSource == null) {
      throw new Fault("Cannot start microvm without kernel configuration.");
    }
    if (machineConfig == null) {
      throw new Fault(
          "Cannot start microvm: the banger stub requires PUT /machine-config first"
              + " (Firecracker itself would default to 1 vCPU and 128 MiB).");
    }
    if (drives.values().stream().noneMatch(d -> d.get("is_root_device").asBoolean())) {
      throw new Fault("Cannot start microvm: the banger stub requires a root block device.");
    }
    Path kernel = Path.of(bootSource.get("kernel_image_path").asText());
    byte[] ident = new byte[5];
    try (InputStream in = Files.newInputStream(kernel)) {
      int n = in.readNBytes(ident, 0, 5);
      if (n < 5
          || ident[0] != 0x7f
          || ident[1] != 'E'
          || ident[2] != 'L'
          || ident[3] != 'F'
          || ident[4] != 2) {
        throw new Fault(
            "Cannot load kernel due to invalid memory configuration or invalid kernel image:"
                + " Kernel Loader: failed to load ELF kernel image");
      }
    } catch (IOException e) {
      throw new Fault(
          "Cannot load kernel due to invalid memory configuration or invalid kernel image: "
              + e.getMessage());
    }
    state = "Running";
    guest.started(bootSource);
  }

  /** Only of a paused microVM, as Firecracker's vCPUs refuse to save their state while running. */
  private void snapshotCreate(ObjectNode params) throws Fault {
    if (state.equals("Not started")) {
      throw new Fault(PRE_BOOT);
    }
    if (!state.equals("Paused")) {
      throw new Fault(
          "Create snapshot error: Cannot save the microVM state: Operation not allowed:"
              + " save/restore unavailable while running");
    }
    ObjectNode config = FirecrackerApi.JSON.createObjectNode();
    config.set("machine_config", machineConfig);
    config.set("boot_source", bootSource);
    config.set("drives", FirecrackerApi.JSON.valueToTree(drives.values()));
    config.set("network_interfaces", FirecrackerApi.JSON.valueToTree(ifaces.values()));
    try {
      StubSnapshots.create(params, config);
    } catch (IOException e) {
      throw new Fault(
          "Create snapshot error: Cannot perform open on the snapshot backing file: "
              + e.getMessage());
    }
  }

  /**
   * Only into a Firecracker with nothing configured (a fresh process); exactly one memory source.
   */
  private void snapshotLoad(ObjectNode params) throws Fault {
    if (!state.equals("Not started")) {
      throw new Fault(POST_BOOT);
    }
    if (machineConfig != null || bootSource != null || !drives.isEmpty() || !ifaces.isEmpty()) {
      throw new Fault(
          "Load snapshot error: Loading a microVM snapshot not allowed after configuring"
              + " boot-specific resources.");
    }
    if (params.has("mem_file_path") == params.has("mem_backend")) {
      throw new Fault(
          DESERIALIZE
              + "too many fields or missing field: either `mem_backend` or `mem_file_path` is"
              + " required.");
    }
    ObjectNode saved;
    try {
      saved = StubSnapshots.load(params);
    } catch (IOException e) {
      throw new Fault("Load snapshot error: Failed to restore from snapshot: " + e.getMessage());
    }
    machineConfig = (ObjectNode) saved.get("machine_config");
    bootSource = (ObjectNode) saved.get("boot_source");
    saved.path("drives").forEach(d -> drives.put(d.get("drive_id").asText(), (ObjectNode) d));
    saved
        .path("network_interfaces")
        .forEach(n -> ifaces.put(n.get("iface_id").asText(), (ObjectNode) n));
    state = params.path("resume_vm").asBoolean(false) ? "Running" : "Paused";
  }

  /** Pause and resume: only once the guest runs; a repeat answers 204 and changes nothing. */
  private void patchVm(String to) throws Fault {
    if (state.equals("Not started")) {
      throw new Fault(PRE_BOOT);
    }
    state = to.equals("Paused") ? "Paused" : "Running";
  }

  private static void openable(String path, String prefix) throws Fault {
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      throw new Fault(prefix + "No such file or directory (os error 2)");
    }
    if (!Files.isReadable(p) || Files.isDirectory(p)) {
      throw new Fault(
          prefix
              + (Files.isDirectory(p)
                  ? "Is a directory (os error 21)"
                  : "Permission denied (os error 13)"));
    }
  }
}
