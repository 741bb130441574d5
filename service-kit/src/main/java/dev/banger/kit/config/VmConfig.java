package dev.banger.kit.config;

/**
 * {@code [vm]} in config.toml: vm-service's defaults and VMM settings. Every field is optional; the
 * rules are checked at load time so a bad value stops start-up with the key named.
 *
 * @param driver VMM driver: "qemu" (default) or "firecracker"
 * @param accel QEMU accelerator: "auto" (default: KVM only when a probe showed it boots our kernel,
 *     else TCG), "tcg" or "kvm"
 * @param firecrackerBinary Firecracker program (default {@code firecracker} on PATH)
 * @param defaultImage image of VMs created without one (default {@code debian-bookworm})
 * @param defaultKernel kernel of VMs whose image names none (default: the newest imported)
 * @param vcpu vCPUs of a new VM, 1..64 (default 2)
 * @param memoryMib memory of a new VM in MiB, 128..1048576 (default 1024)
 * @param workDiskBytes work disk (/root) size of a new VM (default 8 GiB, sparse)
 * @param systemOverlayBytes rootfs overlay size of a new VM (default 4 GiB or the image's size)
 * @param bootTimeoutSeconds how long a start waits for SSH readiness (default 180: TCG is slow)
 * @param stopTimeoutSeconds how long a stop waits for the guest to power off (default 30)
 */
public record VmConfig(
    String driver,
    String accel,
    String firecrackerBinary,
    String defaultImage,
    String defaultKernel,
    Integer vcpu,
    Integer memoryMib,
    Long workDiskBytes,
    Long systemOverlayBytes,
    Integer bootTimeoutSeconds,
    Integer stopTimeoutSeconds) {

  public static final String DEFAULT_IMAGE = "debian-bookworm";
  public static final int DEFAULT_VCPU = 2;
  public static final int DEFAULT_MEMORY_MIB = 1024;
  public static final long DEFAULT_WORK_DISK_BYTES = 8L << 30;
  public static final long DEFAULT_OVERLAY_BYTES = 4L << 30;
  public static final int DEFAULT_BOOT_TIMEOUT_SECONDS = 180;
  public static final int DEFAULT_STOP_TIMEOUT_SECONDS = 30;
  public static final long MIN_DISK_BYTES = 64L << 20;
  public static final long MAX_DISK_BYTES = 1L << 40;

  public static VmConfig empty() {
    return new VmConfig(null, null, null, null, null, null, null, null, null, null, null);
  }

  public String driverOrDefault() {
    return driver == null ? "qemu" : driver;
  }

  public String accelOrDefault() {
    return accel == null ? "auto" : accel;
  }

  public String firecrackerBinaryOrDefault() {
    return firecrackerBinary == null ? "firecracker" : firecrackerBinary;
  }

  public String defaultImageOrDefault() {
    return defaultImage == null ? DEFAULT_IMAGE : defaultImage;
  }

  public int vcpuOrDefault() {
    return vcpu == null ? DEFAULT_VCPU : vcpu;
  }

  public int memoryMibOrDefault() {
    return memoryMib == null ? DEFAULT_MEMORY_MIB : memoryMib;
  }

  public long workDiskBytesOrDefault() {
    return workDiskBytes == null ? DEFAULT_WORK_DISK_BYTES : workDiskBytes;
  }

  public long systemOverlayBytesOrDefault() {
    return systemOverlayBytes == null ? DEFAULT_OVERLAY_BYTES : systemOverlayBytes;
  }

  public int bootTimeoutSecondsOrDefault() {
    return bootTimeoutSeconds == null ? DEFAULT_BOOT_TIMEOUT_SECONDS : bootTimeoutSeconds;
  }

  public int stopTimeoutSecondsOrDefault() {
    return stopTimeoutSeconds == null ? DEFAULT_STOP_TIMEOUT_SECONDS : stopTimeoutSeconds;
  }

  /** The limits a VM spec is held to, from config and from CreateVm alike. */
  public static void checkSpec(
      String field, long vcpu, long memoryMib, long workDisk, long overlay) {
    if (vcpu < 1 || vcpu > 64) {
      throw new IllegalArgumentException(field + "vcpu must be 1..64, got " + vcpu);
    }
    if (memoryMib < 128 || memoryMib > 1 << 20) {
      throw new IllegalArgumentException(
          field + "memory_mib must be 128..1048576, got " + memoryMib);
    }
    checkDisk(field + "work_disk_bytes", workDisk);
    checkDisk(field + "system_overlay_bytes", overlay);
  }

  private static void checkDisk(String key, long bytes) {
    if (bytes < MIN_DISK_BYTES || bytes > MAX_DISK_BYTES) {
      throw new IllegalArgumentException(
          key + " must be " + MIN_DISK_BYTES + ".." + MAX_DISK_BYTES + " bytes, got " + bytes);
    }
  }

  void validate(String origin) throws ConfigException {
    try {
      if (!driverOrDefault().matches("qemu|firecracker")) {
        throw new IllegalArgumentException(
            "driver must be \"qemu\" or \"firecracker\", got \"" + driver + "\"");
      }
      if (!accelOrDefault().matches("auto|tcg|kvm")) {
        throw new IllegalArgumentException(
            "accel must be \"auto\", \"tcg\" or \"kvm\", got \"" + accel + "\"");
      }
      if (firecrackerBinary != null && !firecrackerBinary.matches("[A-Za-z0-9_./+-]{1,4096}")) {
        throw new IllegalArgumentException(
            "firecracker_binary must be a program name or path without spaces or quotes");
      }
      for (String[] n :
          new String[][] {{"default_image", defaultImage}, {"default_kernel", defaultKernel}}) {
        if (n[1] != null && !n[1].matches("[a-z0-9][a-z0-9._-]{0,127}")) {
          throw new IllegalArgumentException(
              n[0] + " \"" + n[1] + "\" is not an image or kernel name");
        }
      }
      checkSpec(
          "",
          vcpuOrDefault(),
          memoryMibOrDefault(),
          workDiskBytesOrDefault(),
          systemOverlayBytesOrDefault());
      if (bootTimeoutSecondsOrDefault() < 5 || bootTimeoutSecondsOrDefault() > 3600) {
        throw new IllegalArgumentException(
            "boot_timeout_seconds must be 5..3600, got " + bootTimeoutSeconds);
      }
      if (stopTimeoutSecondsOrDefault() < 1 || stopTimeoutSecondsOrDefault() > 3600) {
        throw new IllegalArgumentException(
            "stop_timeout_seconds must be 1..3600, got " + stopTimeoutSeconds);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(origin + ": [vm]: " + e.getMessage());
    }
  }
}
