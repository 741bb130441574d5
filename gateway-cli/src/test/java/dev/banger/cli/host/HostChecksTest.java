package dev.banger.cli.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host half of {@code banger doctor} ({@link HostChecks}) on its own: the KVM probe and the
 * CLI's AOT cache.
 */
class HostChecksTest {

  @TempDir Path dir;

  @Test
  void kvmPassesOnlyWhereTheProbeBootedAKernel() throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    Path probe = dir.resolve("kvm-probe.json");
    HostChecks host =
        new HostChecks(
            java.util.List.of(), kvm, new dev.banger.kit.process.ScriptedCommandRunner());
    assertEquals(
        HostChecks.Status.WARN, host.kvm(probe, "auto").status(), "openable is not enough");
    Files.writeString(
        probe,
        "{\"kernel\":\"/k/vmlinux\",\"size\":1,\"mtime\":2,\"kvm\":true,"
            + "\"reason\":\"KVM booted vmlinux to its root mount in 900 ms\"}");
    HostChecks.Check ok = host.kvm(probe, "auto");
    assertEquals(HostChecks.Status.PASS, ok.status());
    assertTrue(
        ok.detail()
            .endsWith(
                "the probe booted vmlinux under KVM: KVM booted vmlinux to its root mount in 900 ms"),
        ok.detail());
    assertEquals(
        HostChecks.Status.PASS,
        host.kvm(dir.resolve("none.json"), "tcg").status(),
        "TCG by config");
    Files.setPosixFilePermissions(kvm, PosixFilePermissions.fromString("---------"));
    if (!"root".equals(System.getProperty("user.name"))) { // root opens any file
      assertTrue(host.kvm(probe, "auto").fix().contains("kvm group"));
    }
  }

  @Test
  void startupCacheIsCheckedAgainstTheJarsBesideIt() throws Exception {
    Path lib = Files.createDirectories(dir.resolve("install/lib"));
    Path jar = Files.writeString(lib.resolve("a.jar"), "jar");
    HostChecks.Check none = HostChecks.startupCache(dir.resolve("install"));
    assertEquals(HostChecks.Status.WARN, none.status());
    assertTrue(none.detail().startsWith("no AOT cache"), none.detail());
    assertTrue(none.fix().contains("bin/banger-aot-train"), none.fix());

    Path cache = Files.writeString(lib.resolve("banger-cli.aot"), "x".repeat(2048));
    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    Files.setLastModifiedTime(cache, java.nio.file.attribute.FileTime.fromMillis(2_000_000));
    HostChecks.Check fresh = HostChecks.startupCache(dir.resolve("install"));
    assertEquals(HostChecks.Status.PASS, fresh.status(), fresh.detail());
    assertTrue(fresh.detail().endsWith("(2.0 KiB)"), fresh.detail());

    Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(3_000_000));
    HostChecks.Check stale = HostChecks.startupCache(dir.resolve("install"));
    assertEquals(HostChecks.Status.WARN, stale.status());
    assertTrue(stale.detail().contains("older than a.jar"), stale.detail());
  }
}
