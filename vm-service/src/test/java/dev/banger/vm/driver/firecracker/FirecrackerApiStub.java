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
import java.util.List;

/**
 * Firecracker's API semantics, as its swagger and request parsers define them, for tests: body
 * shapes checked strictly ({@link StubSchema}), ids checked, files opened where Firecracker opens
 * them (kernel, initrd and drives at PUT; the kernel loaded as ELF at InstanceStart, so a bzImage
 * fails there), pre-boot resources refused once started, actions only in the right state, and an
 * unknown method/path answered 400 "Invalid request method and/or path" as Firecracker does. Two
 * checks are banger's, stricter than Firecracker (which defaults the machine config and can boot
 * without a drive): InstanceStart needs PUT /machine-config and a root drive. Every call is
 * recorded in order, with the status it got. The pre-boot resources and their checks are {@link
 * StubConfiguration}'s; this class routes, and keeps the lifecycle (Not started, Running, Paused):
 * actions, pause and resume, snapshot create and load.
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
  private final StubConfiguration config = new StubConfiguration(this::preBoot);

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

  @Override
  public synchronized Reply handle(Request r) {
    JsonNode body = null;
    Reply reply;
    try {
      if (r.body() != null) {
        try {
          body = STRICT.readTree(r.body());
          if (body == null || body.isMissingNode()) {
            throw new StubFault(DESERIALIZE + "EOF while parsing a value at line 1 column 0.");
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new StubFault(DESERIALIZE + e.getOriginalMessage() + ".");
        } catch (IOException e) {
          throw new StubFault(DESERIALIZE + e.getMessage() + ".");
        }
      }
      reply = route(r.method(), r.path(), body);
    } catch (StubFault f) {
      reply = Reply.fault(f.status, f.getMessage());
    }
    String fault =
        reply.status() / 100 == 2
            ? null
            : new FirecrackerApi.Response(reply.status(), reply.json()).faultMessage();
    calls.add(new Call(r.method(), r.path(), body, reply.status(), fault));
    return reply;
  }

  private Reply route(String method, String path, JsonNode body) throws StubFault {
    String[] seg = path.replaceFirst("^/+", "").split("/", -1);
    String res = seg[0];
    String id = seg.length > 1 ? seg[1] : null;
    if (seg.length > 2
        || (id != null
            && !res.equals("drives")
            && !res.equals("network-interfaces")
            && !(res.equals("snapshot") && (id.equals("create") || id.equals("load"))))) {
      throw new StubFault("Invalid request method and/or path: " + method + " " + path + ".");
    }
    if (method.equals("GET") && body != null) {
      throw new StubFault("GET request cannot have a body.");
    }
    if (method.equals("PUT") && body == null) {
      throw new StubFault("Empty PUT request.");
    }
    if (method.equals("PATCH") && body == null) {
      throw new StubFault("Empty PATCH request.");
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
        return json(config.machineConfigOrDefault());
      }
      case "PUT machine-config" -> config.putMachineConfig(parse(StubSchema.MACHINE_CONFIG, body));
      case "PUT boot-source" -> config.putBootSource(parse(StubSchema.BOOT_SOURCE, body));
      case "PUT drives" ->
          config.putDrive(StubConfiguration.checkedId(id), parse(StubSchema.DRIVE, body));
      case "PUT network-interfaces" ->
          config.putIface(
              StubConfiguration.checkedId(id), parse(StubSchema.NETWORK_INTERFACE, body));
      case "PUT vsock" -> config.putVsock(parse(StubSchema.VSOCK, body));
      case "PUT logger" -> config.putLogger(parse(StubSchema.LOGGER, body));
      case "PUT metrics" -> config.putMetrics(parse(StubSchema.METRICS, body));
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
          throw new StubFault("The banger stub does not implement " + method + " /" + res + ".");
      default ->
          throw new StubFault("Invalid request method and/or path: " + method + " " + path + ".");
    }
    return new Reply(204, null);
  }

  private static Reply json(ObjectNode n) {
    return new Reply(200, n.toString());
  }

  private static ObjectNode parse(StubSchema schema, JsonNode body) throws StubFault {
    try {
      return schema.check(body);
    } catch (Mismatch m) {
      throw new StubFault(DESERIALIZE + m.getMessage() + ".");
    }
  }

  private void preBoot() throws StubFault {
    if (!state.equals("Not started")) {
      throw new StubFault(POST_BOOT);
    }
  }

  private void action(String type) throws StubFault {
    switch (type) {
      case "InstanceStart" -> start();
      case "SendCtrlAltDel" -> {
        if (!state.equals("Running")) {
          throw new StubFault(PRE_BOOT);
        }
        guest.ctrlAltDel();
      }
      case "FlushMetrics" -> {
        if (!config.metricsInitialized()) {
          throw new StubFault("The metrics system is not initialized.");
        }
      }
      default -> throw new StubFault(DESERIALIZE + "unknown variant `" + type + "`.");
    }
  }

  private void start() throws StubFault {
    preBoot();
    if (config.bootSource() == null) {
      throw new StubFault("Cannot start microvm without kernel configuration.");
    }
    if (config.machineConfig() == null) {
      throw new StubFault(
          "Cannot start microvm: the banger stub requires PUT /machine-config first"
              + " (Firecracker itself would default to 1 vCPU and 128 MiB).");
    }
    if (!config.hasRootDrive()) {
      throw new StubFault("Cannot start microvm: the banger stub requires a root block device.");
    }
    Path kernel = Path.of(config.bootSource().get("kernel_image_path").asText());
    byte[] ident = new byte[5];
    try (InputStream in = Files.newInputStream(kernel)) {
      int n = in.readNBytes(ident, 0, 5);
      if (n < 5
          || ident[0] != 0x7f
          || ident[1] != 'E'
          || ident[2] != 'L'
          || ident[3] != 'F'
          || ident[4] != 2) {
        throw new StubFault(
            "Cannot load kernel due to invalid memory configuration or invalid kernel image:"
                + " Kernel Loader: failed to load ELF kernel image");
      }
    } catch (IOException e) {
      throw new StubFault(
          "Cannot load kernel due to invalid memory configuration or invalid kernel image: "
              + e.getMessage());
    }
    state = "Running";
    guest.started(config.bootSource());
  }

  /** Only of a paused microVM, as Firecracker's vCPUs refuse to save their state while running. */
  private void snapshotCreate(ObjectNode params) throws StubFault {
    if (state.equals("Not started")) {
      throw new StubFault(PRE_BOOT);
    }
    if (!state.equals("Paused")) {
      throw new StubFault(
          "Create snapshot error: Cannot save the microVM state: Operation not allowed:"
              + " save/restore unavailable while running");
    }
    try {
      StubSnapshots.create(params, config.snapshot());
    } catch (IOException e) {
      throw new StubFault(
          "Create snapshot error: Cannot perform open on the snapshot backing file: "
              + e.getMessage());
    }
  }

  /**
   * Only into a Firecracker with nothing configured (a fresh process); exactly one memory source.
   */
  private void snapshotLoad(ObjectNode params) throws StubFault {
    if (!state.equals("Not started")) {
      throw new StubFault(POST_BOOT);
    }
    if (config.bootSpecific()) {
      throw new StubFault(
          "Load snapshot error: Loading a microVM snapshot not allowed after configuring"
              + " boot-specific resources.");
    }
    if (params.has("mem_file_path") == params.has("mem_backend")) {
      throw new StubFault(
          DESERIALIZE
              + "too many fields or missing field: either `mem_backend` or `mem_file_path` is"
              + " required.");
    }
    ObjectNode saved;
    try {
      saved = StubSnapshots.load(params);
    } catch (IOException e) {
      throw new StubFault(
          "Load snapshot error: Failed to restore from snapshot: " + e.getMessage());
    }
    config.restore(saved);
    state = params.path("resume_vm").asBoolean(false) ? "Running" : "Paused";
  }

  /** Pause and resume: only once the guest runs; a repeat answers 204 and changes nothing. */
  private void patchVm(String to) throws StubFault {
    if (state.equals("Not started")) {
      throw new StubFault(PRE_BOOT);
    }
    state = to.equals("Paused") ? "Paused" : "Running";
  }
}
