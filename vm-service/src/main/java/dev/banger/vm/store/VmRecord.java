package dev.banger.vm.store;

import java.time.Instant;

/**
 * One row of {@code vms}: the durable facts of a VM. {@code image} and {@code kernel} are the ids
 * image-service gave them when the VM was created (so a renamed or re-pulled image does not change
 * what an existing VM boots). Built with {@link #builder()}; absent values are null.
 */
public record VmRecord(
    String id,
    String name,
    String image,
    String kernel,
    int vcpu,
    int memoryMib,
    long workDiskBytes,
    long systemOverlayBytes,
    boolean nat,
    String driver,
    VmState state,
    String stateReason,
    String lastWorkspace,
    String ipAddress,
    String macAddress,
    String createRequestId,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Integer ownerUid) {

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .id(id)
        .name(name)
        .image(image)
        .kernel(kernel)
        .vcpu(vcpu)
        .memoryMib(memoryMib)
        .workDiskBytes(workDiskBytes)
        .systemOverlayBytes(systemOverlayBytes)
        .nat(nat)
        .driver(driver)
        .state(state)
        .stateReason(stateReason)
        .lastWorkspace(lastWorkspace)
        .ipAddress(ipAddress)
        .macAddress(macAddress)
        .createRequestId(createRequestId)
        .createdAt(createdAt)
        .updatedAt(updatedAt)
        .startedAt(startedAt)
        .ownerUid(ownerUid);
  }

  /** Named setters for the twenty fields; a new VM is {@link VmState#CREATED} by default. */
  public static final class Builder {
    private String id;
    private String name;
    private String image;
    private String kernel;
    private int vcpu;
    private int memoryMib;
    private long workDiskBytes;
    private long systemOverlayBytes;
    private boolean nat;
    private String driver;
    private VmState state = VmState.CREATED;
    private String stateReason;
    private String lastWorkspace;
    private String ipAddress;
    private String macAddress;
    private String createRequestId;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant startedAt;
    private Integer ownerUid;

    private Builder() {}

    public Builder id(String v) {
      id = v;
      return this;
    }

    public Builder name(String v) {
      name = v;
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

    public Builder nat(boolean v) {
      nat = v;
      return this;
    }

    public Builder driver(String v) {
      driver = v;
      return this;
    }

    public Builder state(VmState v) {
      state = v;
      return this;
    }

    public Builder stateReason(String v) {
      stateReason = v;
      return this;
    }

    public Builder lastWorkspace(String v) {
      lastWorkspace = v;
      return this;
    }

    public Builder ipAddress(String v) {
      ipAddress = v;
      return this;
    }

    public Builder macAddress(String v) {
      macAddress = v;
      return this;
    }

    public Builder createRequestId(String v) {
      createRequestId = v;
      return this;
    }

    public Builder createdAt(Instant v) {
      createdAt = v;
      return this;
    }

    public Builder updatedAt(Instant v) {
      updatedAt = v;
      return this;
    }

    public Builder startedAt(Instant v) {
      startedAt = v;
      return this;
    }

    /** The creating caller's uid; null when not recorded (rows older than owners). */
    public Builder ownerUid(Integer v) {
      ownerUid = v;
      return this;
    }

    public VmRecord build() {
      return new VmRecord(
          id,
          name,
          image,
          kernel,
          vcpu,
          memoryMib,
          workDiskBytes,
          systemOverlayBytes,
          nat,
          driver,
          state,
          stateReason,
          lastWorkspace,
          ipAddress,
          macAddress,
          createRequestId,
          createdAt,
          updatedAt,
          startedAt,
          ownerUid);
    }
  }
}
