package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the stub's HTTP tests share: a {@link FirecrackerApiStub} served on a socket in a temporary
 * directory, a client for it, the files a boot needs, and the guest's events as the stub reports
 * them.
 */
abstract class ApiStubFixture {

  @TempDir Path dir;
  Path sock;
  FirecrackerApiStub stub;
  StubHttpServer server;
  FirecrackerApi api;
  final List<String> guest = new ArrayList<>();
  Path vmlinux;
  Path bzImage;
  Path rootfs;

  @BeforeEach
  void start() throws IOException {
    sock = dir.resolve("api.sock");
    stub =
        new FirecrackerApiStub(
            "test-1",
            new FirecrackerApiStub.Guest() {
              @Override
              public void started(com.fasterxml.jackson.databind.node.ObjectNode bootSource) {
                guest.add("started");
              }

              @Override
              public void ctrlAltDel() {
                guest.add("ctrl-alt-del");
              }
            });
    server = StubHttpServer.start(sock, stub);
    api = new FirecrackerApi(sock, Duration.ofSeconds(5));
    vmlinux = FakeKernels.vmlinux(dir.resolve("vmlinux"));
    bzImage = FakeKernels.bzImage(dir.resolve("bzImage"));
    rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  FirecrackerApi.Response put(String path, String json) throws IOException {
    return api.exchange("PUT", path, json);
  }

  static void assertFault(FirecrackerApi.Response r, int status, String contains) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.faultMessage().contains(contains), "fault_message was: " + r.faultMessage());
  }

  void configure() throws IOException {
    assertEquals(
        204, put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}").status());
    assertEquals(204, put("/boot-source", "{\"kernel_image_path\": \"" + vmlinux + "\"}").status());
    assertEquals(
        204,
        put(
                "/drives/rootfs",
                "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                    + rootfs
                    + "\", \"is_root_device\": true, \"is_read_only\": false}")
            .status());
  }
}
