package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.grpc.KitServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor}, {@code ssh-config} and {@code completion}: the commands about this host and
 * shell.
 */
class HostCliTest {

  @TempDir Path dir;
  @TempDir Path home;

  @AfterEach
  void clearProperties() {
    System.clearProperty("banger.path");
    System.clearProperty("banger.kvm.device");
    System.clearProperty("banger.user.home");
  }

  private Path bin(String... programs) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String p : programs) {
      String body =
          p.equals("qemu-system-x86_64")
              ? "echo 'QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)'; echo 'Copyright (c) 2003-2022'"
              : "exit 0";
      Path f = bin.resolve(p);
      Files.writeString(f, "#!/bin/sh\n" + body + "\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    System.setProperty("banger.path", bin.toString());
    return bin;
  }

  private static Map<String, JsonNode> byCheck(String json) throws Exception {
    Map<String, JsonNode> m = new HashMap<>();
    new ObjectMapper().readTree(json).forEach(c -> m.put(c.get("check").asText(), c));
    return m;
  }

  private static String status(Map<String, JsonNode> m, String check) {
    return m.get(check).get("status").asText();
  }

  @Test
  void doctorReportsEachCheckAndFailsOnAnyFail() throws Exception {
    bin("qemu-system-x86_64", "mkfs.ext4", "debugfs", "e2fsck", "ip", "nft", "ssh");
    Path kvm = Files.createFile(dir.resolve("kvm"));
    System.setProperty("banger.kvm.device", kvm.toString());
    Files.createDirectories(dir.resolve("lib/db/vm"));
    Files.writeString(
        dir.resolve("lib/db/vm/kvm-probe.json"),
        "{\"kernel\":\"/k/vmlinux-6.1\",\"size\":1,\"mtime\":2,"
            + "\"kvm\":false,\"reason\":\"KVM did not boot vmlinux-6.1 (timed out after 20 s); using TCG\"}");
    Path config = Files.writeString(dir.resolve("config.toml"), "[vm]\ndefault_image = \"alp\"\n");
    FakeImageService images = new FakeImageService();
    images.kernels.put("k1", FakeImageService.kernel("k1"));
    try (KitServer i = CliHarness.serve(dir, "image", images);
        KitServer v = CliHarness.serve(dir, "vm");
        KitServer n = CliHarness.serve(dir, "net")) {
      CliHarness.Result r =
          CliHarness.run(dir, "doctor", "--config", config.toString(), "-o", "json");
      assertEquals(1, r.code(), r.out() + r.err());
      Map<String, JsonNode> m = byCheck(r.out());
      assertEquals("WARN", status(m, "kvm"));
      assertTrue(
          m.get("kvm").get("detail").asText().contains("timed out after 20 s"),
          m.get("kvm").toString());
      assertEquals("PASS", status(m, "qemu"));
      assertTrue(
          m.get("qemu")
              .get("detail")
              .asText()
              .endsWith("QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18)"));
      assertEquals("WARN", status(m, "firecracker"), "qemu is there");
      assertEquals("FAIL", status(m, "e2fsprogs"));
      assertEquals("not found: resize2fs", m.get("e2fsprogs").get("detail").asText());
      assertEquals("apt-get install e2fsprogs", m.get("e2fsprogs").get("fix").asText());
      assertEquals("PASS", status(m, "ip"));
      assertEquals("PASS", status(m, "nft"));
      assertEquals("WARN", status(m, "mmdebstrap"));
      assertEquals("PASS", status(m, "ssh"));
      assertEquals("PASS", status(m, "image-service"));
      assertEquals("PASS", status(m, "vm-service"));
      assertEquals("FAIL", status(m, "disk-service"));
      assertEquals("FAIL", status(m, "default-image"));
      assertEquals(
          "banger image pull alp",
          m.get("default-image").get("fix").asText(),
          "[vm] default_image is read");
      assertEquals("PASS", status(m, "kernel"));
      assertEquals("PASS", status(m, "images"));
      assertEquals(
          "0 images: 0 boot their own systemd, 0 banger's guest kit",
          m.get("images").get("detail").asText());
      assertEquals("PASS", status(m, "state-dir"));
      long free = Files.getFileStore(dir).getUsableSpace();
      assertEquals(
          free < (2L << 30) ? "FAIL" : free < (10L << 30) ? "WARN" : "PASS",
          status(m, "disk-space"));

      // Mend what failed: the run passes (warnings do not fail it).
      bin("resize2fs");
      images.images.put("alp", FakeImageService.image("alp", true));
      try (KitServer d = CliHarness.serve(dir, "disk")) {
        CliHarness.Result ok = CliHarness.run(dir, "doctor", "--config", config.toString());
        assertEquals(free < (2L << 30) ? 1 : 0, ok.code(), ok.out());
        assertTrue(ok.out().matches("(?s)WARN\\s+kvm\\s.*PASS\\s+qemu\\s.*"), ok.out());
        assertTrue(
            ok.out()
                .matches(
                    "(?s).*WARN\\s+mmdebstrap\\s+not found: mmdebstrap\n\\s+fix: apt-get install mmdebstrap.*"),
            ok.out());
        assertTrue(ok.out().contains("PASS  default-image   alp (2.0 GiB)"), ok.out());
        assertTrue(
            ok.out().contains("PASS  images          1 image: 1 boot their own systemd, 0"),
            ok.out());
        assertTrue(ok.out().matches("(?s).*\n\\d+ checks: 0 failed, \\d+ warnings\n"), ok.out());
      }
    }
  }

  @Test
  void doctorNamesAKitImageWhoseCommandCannotRunOrWhoseKitIsGone() throws Exception {
    bin();
    FakeImageService images = new FakeImageService();
    images.images.put(
        "web",
        FakeImageService.image("web", true).toBuilder()
            .setGuestBoot(dev.banger.api.image.v1.GuestBoot.GUEST_BOOT_KIT)
            .setKitPath("/var/lib/banger/images/kit/1-x/kit.ext4")
            .build());
    images.images.put(
        "broken",
        FakeImageService.image("broken", true).toBuilder()
            .setGuestBoot(dev.banger.api.image.v1.GuestBoot.GUEST_BOOT_KIT)
            .setKitPath("/var/lib/banger/images/kit/1-x/kit.ext4")
            .setCommand(
                dev.banger.api.image.v1.ImageCommand.newBuilder()
                    .addArgv("/usr/bin/nginx")
                    .setProblem("its command's program \"/usr/bin/nginx\" is not in the image"))
            .build());
    try (KitServer i = CliHarness.serve(dir, "image", images)) {
      Map<String, JsonNode> m = byCheck(CliHarness.run(dir, "doctor", "-o", "json").out());
      assertEquals("WARN", status(m, "images"));
      assertEquals(
          "broken's own command cannot run: its command's program \"/usr/bin/nginx\" is not in"
              + " the image",
          m.get("images").get("detail").asText());
      assertEquals(
          "give its VMs a command: banger vm run --image broken -- CMD",
          m.get("images").get("fix").asText());

      images.images.put(
          "broken",
          FakeImageService.image("broken", true).toBuilder()
              .setGuestBoot(dev.banger.api.image.v1.GuestBoot.GUEST_BOOT_KIT)
              .build());
      m = byCheck(CliHarness.run(dir, "doctor", "-o", "json").out());
      assertEquals("FAIL", status(m, "images"));
      assertEquals(
          "broken boots banger's guest kit, which is not built on this host",
          m.get("images").get("detail").asText());
      assertEquals(
          "banger image pull --force docker.io/library/broken:latest",
          m.get("images").get("fix").asText());
    }
  }

  @Test
  void doctorWithNothingThere() throws Exception {
    bin();
    System.setProperty("banger.kvm.device", dir.resolve("no-kvm").toString());
    CliHarness.Result r =
        CliHarness.run(
            dir,
            "doctor",
            "--config",
            Files.writeString(dir.resolve("c.toml"), "").toString(),
            "-o",
            "json");
    assertEquals(1, r.code());
    Map<String, JsonNode> m = byCheck(r.out());
    assertEquals("WARN", status(m, "kvm"), "TCG still works");
    assertEquals("FAIL", status(m, "qemu"));
    assertEquals("FAIL", status(m, "firecracker"), "no VMM at all");
    assertEquals("FAIL", status(m, "image-service"));
    assertEquals("WARN", status(m, "default-image"), "not checked without image-service");
    assertEquals("WARN", status(m, "images"), "not checked without image-service");
    assertEquals("FAIL", status(m, "state-dir"), "no lib directory yet");
    assertEquals(2, CliHarness.run(dir, "doctor", "-o", "yaml").code());
  }

  @Test
  void sshConfigPrintsInstallsOnceAndUninstallsExactly() throws Exception {
    System.setProperty("banger.user.home", home.toString());
    CliHarness.Result print = CliHarness.run(dir, "ssh-config");
    assertEquals(0, print.code(), print.err());
    assertTrue(
        print
            .out()
            .contains(
                "Host *.vm\n  ProxyCommand banger --state-dir "
                    + dir.toAbsolutePath()
                    + " vm ssh-proxy %h %p\n  User root\n  IdentityFile "
                    + dir.resolve("lib/ssh/id_ed25519")
                    + "\n  IdentitiesOnly yes\n  UserKnownHostsFile "
                    + dir.resolve("lib/ssh/known_hosts")
                    + "\n  StrictHostKeyChecking yes\n"),
        print.out());
    assertFalse(Files.exists(home.resolve(".config")), "printing writes nothing");
    // The launcher of an installation is named by its path; ssh's % and the shell's quotes kept.
    System.setProperty("banger.home", "/opt/ban ger%1");
    try {
      assertTrue(
          CliHarness.run(dir, "ssh-config")
              .out()
              .contains("  ProxyCommand '/opt/ban ger%%1/bin/banger' --state-dir "),
          "quoted for the shell, % doubled for ssh");
    } finally {
      System.clearProperty("banger.home");
    }

    Files.createDirectories(home.resolve(".ssh"));
    Path sshConfig = home.resolve(".ssh/config");
    byte[] original =
        "Host work\n  User me\r\n# no newline at the end".getBytes(StandardCharsets.UTF_8);
    Files.write(sshConfig, original);
    Files.setPosixFilePermissions(sshConfig, PosixFilePermissions.fromString("rw-------"));
    Path file = home.resolve(".config/banger/ssh_config");
    String include = "Include " + file + "\n";
    assertEquals(0, CliHarness.run(dir, "ssh-config", "--install").code());
    assertEquals(0, CliHarness.run(dir, "ssh-config", "--install").code(), "again: idempotent");
    byte[] installed = Files.readAllBytes(sshConfig);
    assertEquals(
        include + new String(original, StandardCharsets.UTF_8),
        new String(installed, StandardCharsets.UTF_8));
    assertEquals(print.out(), Files.readString(file));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sshConfig)));

    assertEquals(0, CliHarness.run(dir, "ssh-config", "--uninstall").code());
    assertArrayEquals(original, Files.readAllBytes(sshConfig), "the rest kept byte for byte");
    assertFalse(Files.exists(file));
    assertEquals(
        0, CliHarness.run(dir, "ssh-config", "--uninstall").code(), "again: nothing to do");
    assertArrayEquals(original, Files.readAllBytes(sshConfig));
    assertEquals(2, CliHarness.run(dir, "ssh-config", "--install", "--uninstall").code());
  }

  @Test
  void sshConfigInstallCreatesAPrivateConfig() throws Exception {
    System.setProperty("banger.user.home", home.toString());
    assertEquals(0, CliHarness.run(dir, "ssh-config", "--install").code());
    Path sshConfig = home.resolve(".ssh/config");
    assertEquals(
        "Include " + home.resolve(".config/banger/ssh_config") + "\n", Files.readString(sshConfig));
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sshConfig)));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(sshConfig.getParent())));
  }

  @Test
  void completionScripts() {
    CliHarness.Result bash = CliHarness.run(dir, "completion", "bash");
    assertEquals(0, bash.code(), bash.err());
    assertTrue(bash.out().contains("complete -F") && bash.out().contains(" vm "), "names vm");
    assertTrue(bash.out().contains("image") && bash.out().contains("doctor"));
    CliHarness.Result zsh = CliHarness.run(dir, "completion", "zsh");
    assertTrue(
        zsh.out().startsWith("# banger completion for zsh")
            && zsh.out().contains("bashcompinit")
            && zsh.out().contains(" vm "),
        zsh.out().substring(0, 200));
    CliHarness.Result fish = CliHarness.run(dir, "completion", "fish");
    assertTrue(
        fish.out()
            .contains(
                "complete -c banger -n '__fish_use_subcommand' -a vm -d 'Create, run and manage VMs.'"),
        fish.out());
    assertTrue(fish.out().contains("-n '__fish_seen_subcommand_from image' -a pull"), fish.out());
    assertEquals(2, CliHarness.run(dir, "completion", "tcsh").code());
  }
}
