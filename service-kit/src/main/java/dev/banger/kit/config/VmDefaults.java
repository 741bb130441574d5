package dev.banger.kit.config;

import dev.banger.kit.text.ByteSizes;

/**
 * {@code [vm_defaults]}: the size of a VM whose create asks for none. Each unset value falls to
 * {@code [vm]}'s, then to the host heuristic, and every value is raised to the floor ({@link
 * VmSizing}); {@code banger doctor} shows the outcome and where each part came from.
 *
 * @param diskSize work disk, as a size ("8G", "512M", bytes)
 */
public record VmDefaults(Integer vcpu, Integer memoryMib, String diskSize) {

  public Long diskBytes() {
    return diskSize == null ? null : ByteSizes.parse(diskSize);
  }

  void validate(String origin) throws ConfigException {
    if (vcpu != null && (vcpu < 1 || vcpu > 64)) {
      throw new ConfigException(origin + ": vm_defaults.vcpu must be 1..64, got " + vcpu);
    }
    if (memoryMib != null && (memoryMib < VmSizing.FLOOR_MEMORY_MIB || memoryMib > 1 << 20)) {
      throw new ConfigException(
          origin
              + ": vm_defaults.memory_mib must be "
              + VmSizing.FLOOR_MEMORY_MIB
              + "..1048576,"
              + " got "
              + memoryMib);
    }
    if (diskSize != null) {
      long b;
      try {
        b = ByteSizes.parse(diskSize);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(origin + ": vm_defaults.disk_size " + e.getMessage());
      }
      if (b < VmSizing.FLOOR_DISK_BYTES || b > (16L << 40)) {
        throw new ConfigException(
            origin + ": vm_defaults.disk_size must be 1G..16T, got \"" + diskSize + "\"");
      }
    }
  }
}
