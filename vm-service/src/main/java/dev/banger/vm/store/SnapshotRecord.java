package dev.banger.vm.store;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A snapshot as stored (the {@code snapshots} table): the source VM's shape when it was taken,
 * which a restore must match, and where its files are.
 *
 * @param directory where disk-service put the disk copies and vm-service the saved VMM state
 * @param stateBytes bytes of the saved device and memory state
 * @param diskBytes apparent bytes of the disk copies
 * @param guestIp the source VM's address when the snapshot was taken, which its clones wake with;
 *     null for a snapshot recorded before clones were built (it cannot be started from)
 * @param guestMac the source VM's MAC, likewise
 */
public record SnapshotRecord(
    String id,
    String name,
    String vmId,
    String vmName,
    String image,
    String kernel,
    int vcpu,
    int memoryMib,
    long workDiskBytes,
    long systemOverlayBytes,
    String driver,
    Path directory,
    long stateBytes,
    long diskBytes,
    String guestIp,
    String guestMac,
    Instant createdAt) {

  /** The shape and origin of a snapshot of {@code vm}, before its files exist. */
  public static Builder of(VmRecord vm) {
    return builder()
        .vmId(vm.id())
        .vmName(vm.name())
        .image(vm.image())
        .kernel(vm.kernel())
        .vcpu(vm.vcpu())
        .memoryMib(vm.memoryMib())
        .workDiskBytes(vm.workDiskBytes())
        .systemOverlayBytes(vm.systemOverlayBytes())
        .driver(vm.driver())
        .guestIp(vm.ipAddress())
        .guestMac(vm.macAddress());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link SnapshotRecord} field by field. */
  public static final class Builder {
    private String id;
    private String name;
    private String vmId;
    private String vmName;
    private String image;
    private String kernel;
    private int vcpu;
    private int memoryMib;
    private long workDiskBytes;
    private long systemOverlayBytes;
    private String driver;
    private Path directory;
    private long stateBytes;
    private long diskBytes;
    private String guestIp;
    private String guestMac;
    private Instant createdAt;

    private Builder() {}

    public Builder id(String v) {
      id = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder vmId(String v) {
      vmId = v;
      return this;
    }

    public Builder vmName(String v) {
      vmName = v;
      return this;
    }

    public Builder image(String v) {
      image = v;
      return this;
    }

    public Builder kernel(String v) {
      kernel = v;
      return this;
    }

    public Builder vcpu(int v) {
      vcpu = v;
      return this;
    }

    public Builder memoryMib(int v) {
      memoryMib = v;
      return this;
    }

    public Builder workDiskBytes(long v) {
      workDiskBytes = v;
      return this;
    }

    public Builder systemOverlayBytes(long v) {
      systemOverlayBytes = v;
      return this;
    }

    public Builder driver(String v) {
      driver = v;
      return this;
    }

    public Builder directory(Path v) {
      directory = v;
      return this;
    }

    public Builder stateBytes(long v) {
      stateBytes = v;
      return this;
    }

    public Builder diskBytes(long v) {
      diskBytes = v;
      return this;
    }

    public Builder guestIp(String v) {
      guestIp = v;
      return this;
    }

    public Builder guestMac(String v) {
      guestMac = v;
      return this;
    }

    public Builder createdAt(Instant v) {
      createdAt = v;
      return this;
    }

    public SnapshotRecord build() {
      return new SnapshotRecord(
          id,
          name,
          vmId,
          vmName,
          image,
          kernel,
          vcpu,
          memoryMib,
          workDiskBytes,
          systemOverlayBytes,
          driver,
          directory,
          stateBytes,
          diskBytes,
          guestIp,
          guestMac,
          createdAt);
    }
  }
}
