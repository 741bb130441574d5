package dev.banger.vm.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.vm.ports.Lease;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-boot guest files, as disk-service requests. */
class GuestConfigTest {

  @Test
  void guestConfigCarriesTheLeaseAndMountsTheWorkDiskAtRoot() {
    Lease lease =
        new Lease("172.16.0.7", 24, "172.16.0.1", "172.16.0.1", "02:00:00:00:00:07", true);
    WriteGuestFilesRequest o =
        GuestConfig.overlay("r1", "/s/vms/x/rootfs.ext4", "dev-box", lease, java.util.Map.of());
    assertEquals(
        "ADDRESS=172.16.0.7/24\nGATEWAY=172.16.0.1\nDNS=172.16.0.1\n",
        content(o, "/etc/banger/network.env"));
    assertEquals("dev-box\n", content(o, "/etc/hostname"));
    assertTrue(content(o, "/etc/hosts").contains("127.0.1.1\tdev-box dev-box.vm\n"));
    assertEquals("nameserver 172.16.0.1\nsearch vm\n", content(o, "/etc/resolv.conf"));
    assertTrue(
        o.getFstabAddList().stream()
            .anyMatch(
                m ->
                    m.getSource().equals("/dev/vdb")
                        && m.getTarget().equals("/root")
                        && m.getFsType().equals("ext4")));
    assertTrue(o.getFstabDropTargetsList().containsAll(List.of("/root", "/run", "/tmp")));
    o.getFilesList()
        .forEach(f -> assertEquals(0, f.getUid() | f.getGid(), f.getPath() + " is root's"));

    WriteGuestFilesRequest w =
        GuestConfig.workDisk("r2", "/s/vms/x/work.ext4", "ssh-ed25519 AAAA banger\n");
    assertEquals("ssh-ed25519 AAAA banger\n", content(w, "/.ssh/authorized_keys"));
    assertEquals(0600, w.getFiles(0).getMode());
    assertEquals(0700, w.getDirectories(0).getMode(), "sshd's StrictModes");
  }

  private static String content(WriteGuestFilesRequest r, String path) {
    return r.getFilesList().stream()
        .filter(f -> f.getPath().equals(path))
        .findFirst()
        .orElseThrow()
        .getContent()
        .toString(StandardCharsets.UTF_8);
  }
}
