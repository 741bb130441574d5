package dev.banger.vm.peers;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.FstabEntry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.vm.ports.Lease;
import java.nio.charset.StandardCharsets;

/**
 * The per-VM files written before each boot (docs/architecture.md §4), as disk-service requests:
 * one batch for the rootfs overlay (name, resolver, the leased address for banger's network
 * bootstrap, mounts) and one for the work disk ({@code /root}: the owner's SSH key). The sshd
 * drop-in is part of every image banger builds ({@code /etc/ssh/sshd_config.d/99-banger.conf}, with
 * its reasons), so it is not rewritten per VM. Values come from the store and net-service, never
 * from a caller unchecked: the name is a DNS label, the addresses are net-service's.
 */
final class GuestConfig {

  /** Where the guest mounts the work disk; the fs root of the work disk becomes this directory. */
  static final String WORK_MOUNT = "/root";

  private GuestConfig() {}

  /**
   * @param kitFiles a guest-kit VM's files (the image's command and Env), under {@code /etc/banger}
   */
  static WriteGuestFilesRequest overlay(
      String requestId,
      String overlayPath,
      String name,
      Lease lease,
      java.util.Map<String, String> kitFiles) {
    String hosts =
        "127.0.0.1\tlocalhost\n127.0.1.1\t"
            + name
            + " "
            + name
            + ".vm\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n";
    String resolv = "nameserver " + lease.dnsServer() + "\nsearch vm\n";
    // Read line by line by /usr/local/lib/banger/network-bootstrap, never sourced.
    String network =
        "ADDRESS="
            + lease.ip()
            + "/"
            + lease.prefixLength()
            + "\nGATEWAY="
            + lease.gateway()
            + "\nDNS="
            + lease.dnsServer()
            + "\n";
    WriteGuestFilesRequest.Builder b = WriteGuestFilesRequest.newBuilder();
    for (java.util.Map.Entry<String, String> f : kitFiles.entrySet()) {
      if (!f.getKey().startsWith("/etc/banger/") || f.getKey().contains("..")) {
        throw new IllegalArgumentException("a kit file must lie in /etc/banger: " + f.getKey());
      }
      b.addFiles(file(f.getKey(), f.getValue(), 0644));
    }
    return b.setRequestId(requestId)
        .setImagePath(overlayPath)
        .addDirectories(dir("/etc/banger", 0755))
        .addFiles(file("/etc/hostname", name + "\n", 0644))
        .addFiles(file("/etc/hosts", hosts, 0644))
        .addFiles(file("/etc/resolv.conf", resolv, 0644))
        .addFiles(file("/etc/banger/network.env", network, 0644))
        .addFstabDropTargets(WORK_MOUNT)
        .addFstabDropTargets("/run")
        .addFstabDropTargets("/tmp")
        // nofail: a guest whose work disk is missing still boots far enough to be inspected.
        .addFstabAdd(mount("/dev/vdb", WORK_MOUNT, "ext4", "defaults,nofail", 2))
        .addFstabAdd(mount("tmpfs", "/run", "tmpfs", "defaults,nodev,nosuid,mode=0755", 0))
        .addFstabAdd(mount("tmpfs", "/tmp", "tmpfs", "defaults,nodev,nosuid,mode=1777", 0))
        .build();
  }

  /**
   * The work disk's own root is the guest's {@code /root}: sshd's StrictModes wants it, and {@code
   * .ssh}, owned by root and not writable by others, so the modes are set explicitly.
   */
  static WriteGuestFilesRequest workDisk(
      String requestId, String workDiskPath, String authorizedKeysLine) {
    return WriteGuestFilesRequest.newBuilder()
        .setRequestId(requestId)
        .setImagePath(workDiskPath)
        .addDirectories(dir("/.ssh", 0700))
        .addFiles(file("/.ssh/authorized_keys", authorizedKeysLine.strip() + "\n", 0600))
        .build();
  }

  private static Ext4Entry dir(String path, int mode) {
    return Ext4Entry.newBuilder().setPath(path).setUid(0).setGid(0).setMode(mode).build();
  }

  private static GuestFile file(String path, String content, int mode) {
    return GuestFile.newBuilder()
        .setPath(path)
        .setContent(ByteString.copyFrom(content, StandardCharsets.UTF_8))
        .setUid(0)
        .setGid(0)
        .setMode(mode)
        .build();
  }

  private static FstabEntry mount(
      String source, String target, String type, String options, int pass) {
    return FstabEntry.newBuilder()
        .setSource(source)
        .setTarget(target)
        .setFsType(type)
        .setOptions(options)
        .setPass(pass)
        .build();
  }
}
