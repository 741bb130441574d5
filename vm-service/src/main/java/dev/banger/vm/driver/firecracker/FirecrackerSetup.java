package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.vm.driver.LaunchSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The API calls that configure and boot one VM, in the order the driver sends them: logger,
 * machine-config, boot-source, the guest kit's drive (if any), the root drive, the work drive, the
 * NIC, then InstanceStart. Every value comes from a validated {@link LaunchSpec}; Firecracker
 * itself checks the files.
 */
final class FirecrackerSetup {

  /** Firecracker's x86_64 kernel command line limit (and Linux's COMMAND_LINE_SIZE there). */
  static final int MAX_CMDLINE = 2048;

  /**
   * Console on the UART (Firecracker's stdout), reboot through the i8042 (ends Firecracker), no PCI
   * probing.
   */
  static final String BASE_ARGS = "console=ttyS0 reboot=k panic=1 pci=off";

  /** One PUT: what the step is called in errors, the path and the JSON body. */
  record ApiCall(String step, String path, ObjectNode body) {}

  private FirecrackerSetup() {}

  static Path apiSocket(LaunchSpec s) {
    return s.runDir().resolve("firecracker.sock");
  }

  static Path logFile(LaunchSpec s) {
    return s.runDir().resolve("firecracker.log");
  }

  /** Firecracker's {@code --id}: 1-64 of [A-Za-z0-9-]; a short, recognisable form of the VM id. */
  static String instanceId(LaunchSpec s) {
    String clean = s.vmId().replaceAll("[^A-Za-z0-9-]", "");
    return "banger-" + (clean.length() > 8 ? clean.substring(0, 8) : clean);
  }

  /** A saved state's two files in its directory: the microVM's state and the guest memory. */
  static final String STATE_FILE = "fc-vmstate.bin";

  static final String MEMORY_FILE = "fc-memory.bin";

  /** {@code PUT /snapshot/create}: a full snapshot into {@code directory}. */
  static ApiCall snapshotCreate(Path directory) {
    return new ApiCall(
        "snapshot create",
        "/snapshot/create",
        obj()
            .put("snapshot_type", "Full")
            .put("snapshot_path", directory.resolve(STATE_FILE).toString())
            .put("mem_file_path", directory.resolve(MEMORY_FILE).toString()));
  }

  /**
   * A fresh Firecracker that loads {@code directory}'s snapshot and runs it: the logger, then
   * {@code PUT /snapshot/load} with the memory file as a {@code File} backend. Firecracker reopens
   * the drives and the tap the snapshot recorded; 1.10 can override neither (docs/snapshots.md).
   */
  static List<ApiCall> restorePlan(LaunchSpec s, Path directory) {
    List<ApiCall> calls = new ArrayList<>(plan(s, true).subList(0, 1));
    ObjectNode load =
        obj()
            .put("snapshot_path", directory.resolve(STATE_FILE).toString())
            .put("resume_vm", false);
    load.set(
        "mem_backend",
        obj()
            .put("backend_type", "File")
            .put("backend_path", directory.resolve(MEMORY_FILE).toString()));
    calls.add(new ApiCall("snapshot load", "/snapshot/load", load));
    return calls;
  }

  static List<ApiCall> plan(LaunchSpec s, boolean logger) {
    List<ApiCall> calls = new ArrayList<>();
    if (logger) {
      calls.add(
          new ApiCall(
              "logger",
              "/logger",
              obj()
                  .put("log_path", logFile(s).toString())
                  .put("level", "Info")
                  .put("show_level", true)
                  .put("show_log_origin", false)));
    }
    calls.add(
        new ApiCall(
            "machine-config",
            "/machine-config",
            obj()
                .put("vcpu_count", s.vcpus())
                .put("mem_size_mib", s.memoryMib())
                .put("smt", false)));
    ObjectNode boot = obj().put("kernel_image_path", s.kernel().toString());
    s.initrd().ifPresent(i -> boot.put("initrd_path", i.toString()));
    boot.put("boot_args", cmdline(s));
    calls.add(new ApiCall("boot-source", "/boot-source", boot));
    // With the kit, the kit is the root device: Firecracker attaches that one first (vda), the
    // others in the order they are added, and passes root=/dev/vda itself (docs/guest-kit.md).
    boolean kit = s.kitDisk().isPresent();
    s.kitDisk()
        .ifPresent(
            k -> calls.add(new ApiCall("kit drive", "/drives/kit", drive("kit", k, true, true))));
    calls.add(
        new ApiCall("root drive", "/drives/rootfs", drive("rootfs", s.rootDisk(), !kit, false)));
    s.workDisk()
        .ifPresent(
            w ->
                calls.add(
                    new ApiCall("work drive", "/drives/work", drive("work", w, false, false))));
    s.tap()
        .ifPresent(
            n ->
                calls.add(
                    new ApiCall(
                        "network interface",
                        "/network-interfaces/eth0",
                        obj()
                            .put("iface_id", "eth0")
                            .put("host_dev_name", n.tapName())
                            .put("guest_mac", n.mac()))));
    calls.add(new ApiCall("InstanceStart", "/actions", obj().put("action_type", "InstanceStart")));
    return calls;
  }

  /**
   * The driver's arguments, then the caller's: printable ASCII only, within Firecracker's limit.
   */
  static String cmdline(LaunchSpec s) {
    String extra = s.bootArgs().strip();
    if (extra.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
      throw new IllegalArgumentException("boot arguments must be printable ASCII");
    }
    String base = BASE_ARGS + " " + (s.kitDisk().isPresent() ? s.kitFirstRootArgs() : s.rootArgs());
    String line = extra.isEmpty() ? base : base + " " + extra;
    if (line.length() > MAX_CMDLINE) {
      throw new IllegalArgumentException(
          "kernel command line would be "
              + line.length()
              + " characters, Firecracker takes at most "
              + MAX_CMDLINE);
    }
    return line;
  }

  private static ObjectNode drive(String id, Path file, boolean root, boolean readOnly) {
    return obj()
        .put("drive_id", id)
        .put("path_on_host", file.toString())
        .put("is_root_device", root)
        .put("is_read_only", readOnly);
  }

  private static ObjectNode obj() {
    return FirecrackerApi.JSON.createObjectNode();
  }
}
