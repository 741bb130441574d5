package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stub hit with raw HTTP: it must refuse what Firecracker refuses, in Firecracker's way. */
class FirecrackerApiStubTest extends ApiStubFixture {

  /**
   * Writes {@code raw} as is and reads until the server closes (after an error, or Connection:
   * close).
   */
  String raw(String raw) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(sock));
      ch.write(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1)));
      ByteBuffer in = ByteBuffer.allocate(65536);
      StringBuilder sb = new StringBuilder();
      while (ch.read(in) > 0) {
        in.flip();
        sb.append(StandardCharsets.UTF_8.decode(in));
        in.clear();
      }
      return sb.toString();
    }
  }

  @Test
  void instanceInfoBeforeStart() throws Exception {
    JsonNode info = api.get("/");
    assertEquals("test-1", info.get("id").asText());
    assertEquals("Not started", info.get("state").asText());
    assertEquals("Firecracker", info.get("app_name").asText());
    assertTrue(info.has("vmm_version"));
  }

  @Test
  void malformedJsonIsRefused() throws Exception {
    assertFault(put("/machine-config", "{\"vcpu_count\": 1,"), 400, FirecrackerApiStub.DESERIALIZE);
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128} trailing"),
        400,
        FirecrackerApiStub.DESERIALIZE);
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 1, \"vcpu_count\": 2, \"mem_size_mib\": 128}"),
        400,
        "Duplicate field");
    assertFault(put("/machine-config", "[1, 2]"), 400, "expected a struct");
  }

  @Test
  void unknownAndMissingFieldsAndWrongTypesAreRefused() throws Exception {
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"ht_enabled\": false}"),
        400,
        "unknown field `ht_enabled`");
    assertFault(
        put("/machine-config", "{\"mem_size_mib\": 128}"), 400, "missing field `vcpu_count`");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": \"2\", \"mem_size_mib\": 128}"),
        400,
        "invalid type: string \"2\", expected u8");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 2.5, \"mem_size_mib\": 128}"), 400, "expected u8");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 300, \"mem_size_mib\": 128}"),
        400,
        "invalid value: integer `300`, expected u8");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"smt\": \"no\"}"),
        400,
        "expected a boolean");
    assertFault(
        put("/boot-source", "{\"kernel_image_path\": \"" + vmlinux + "\", \"boot_args\": 7}"),
        400,
        "expected a string");
    assertFault(
        put(
            "/drives/rootfs",
            "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                + rootfs
                + "\", \"is_root_device\": true, \"is_read_only\": false, \"cache_type\": \"Fast\"}"),
        400,
        "unknown variant `Fast`");
    assertFault(put("/actions", "{\"action_type\": \"Reboot\"}"), 400, "unknown variant `Reboot`");
  }

  @Test
  void machineConfigValuesAreChecked() throws Exception {
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 128}"),
        400,
        "vCPU number is invalid");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 33, \"mem_size_mib\": 128}"),
        400,
        "vCPU number is invalid");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 3, \"mem_size_mib\": 128, \"smt\": true}"),
        400,
        "vCPU number is invalid");
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 0}"), 400, "memory size");
    assertEquals(
        204,
        put("/machine-config", "{\"vcpu_count\": 32, \"mem_size_mib\": 1024, \"smt\": false}")
            .status());
    assertEquals(32, api.get("/machine-config").get("vcpu_count").asInt());
  }

  @Test
  void unknownPathsAndMethodsAreRefusedAsFirecrackerDoes() throws Exception {
    assertFault(put("/nope", "{}"), 400, "Invalid request method and/or path: PUT /nope.");
    assertFault(
        api.exchange("GET", "/drives/rootfs", null), 400, "Invalid request method and/or path");
    assertFault(put("/machine-config/extra", "{}"), 400, "Invalid request method and/or path");
    assertTrue(
        raw("POST /actions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").startsWith("HTTP/1.1 400"));
    assertTrue(raw("DELETE /drives/rootfs HTTP/1.1\r\n\r\n").contains("Unsupported HTTP method."));
    assertFault(api.exchange("PUT", "/machine-config", null), 400, "Empty PUT request.");
    assertFault(api.exchange("GET", "/", "{}"), 400, "GET request cannot have a body.");
    assertTrue(raw("GET / HTTP/2.0\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(
        raw("PUT /actions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            .contains("Transfer-Encoding"));
    String big = "{\"kernel_image_path\": \"" + "x".repeat(StubHttpServer.MAX_PAYLOAD) + "\"}";
    assertFault(put("/boot-source", big), 413, "larger than the limit");
  }

  @Test
  void idsInPathsAreChecked() throws Exception {
    assertFault(
        put(
            "/drives/rootfs",
            "{\"drive_id\": \"other\", \"path_on_host\": \""
                + rootfs
                + "\", \"is_root_device\": true, \"is_read_only\": false}"),
        400,
        "does not match the id from the body");
    assertFault(
        put(
            "/drives/root-fs",
            "{\"drive_id\": \"root-fs\", \"path_on_host\": \""
                + rootfs
                + "\", \"is_root_device\": true, \"is_read_only\": false}"),
        400,
        "alphanumeric characters and underscores");
    assertFault(
        put("/drives/", "{\"drive_id\": \"\", \"is_root_device\": true}"),
        400,
        "The ID cannot be empty.");
    assertFault(
        put("/network-interfaces/eth0", "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap0\"}"),
        400,
        "does not match the id from the body");
  }

  @Test
  void filesAreOpenedWhereFirecrackerOpensThem() throws Exception {
    assertFault(
        put("/boot-source", "{\"kernel_image_path\": \"" + dir.resolve("missing") + "\"}"),
        400,
        "The kernel file cannot be opened: No such file or directory");
    assertFault(
        put(
            "/boot-source",
            "{\"kernel_image_path\": \""
                + vmlinux
                + "\", \"initrd_path\": \""
                + dir.resolve("missing")
                + "\"}"),
        400,
        "The initrd file cannot be opened");
    assertFault(
        put(
            "/drives/rootfs",
            "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                + dir.resolve("gone.ext4")
                + "\", \"is_root_device\": true, \"is_read_only\": false}"),
        400,
        "No such file or directory");
    assertFault(
        put("/drives/rootfs", "{\"drive_id\": \"rootfs\", \"is_root_device\": true}"),
        400,
        "path_on_host and is_read_only are required");
    assertFault(
        put("/logger", "{\"log_path\": \"" + dir.resolve("no.log") + "\"}"),
        400,
        "Failed to open target file");
    Files.createFile(dir.resolve("fc.log"));
    assertEquals(
        204,
        put("/logger", "{\"log_path\": \"" + dir.resolve("fc.log") + "\", \"level\": \"debug\"}")
            .status());
  }

  @Test
  void onlyOneRootDrive() throws Exception {
    configure();
    Path other = Files.write(dir.resolve("other.ext4"), new byte[4096]);
    assertFault(
        put(
            "/drives/second",
            "{\"drive_id\": \"second\", \"path_on_host\": \""
                + other
                + "\", \"is_root_device\": true, \"is_read_only\": true}"),
        400,
        "A root block device already exists!");
    assertEquals(
        204,
        put(
                "/drives/second",
                "{\"drive_id\": \"second\", \"path_on_host\": \""
                    + other
                    + "\", \"is_root_device\": false, \"is_read_only\": true}")
            .status());
  }

  @Test
  void instanceStartNeedsConfigurationAndAnElfKernel() throws Exception {
    String start = "{\"action_type\": \"InstanceStart\"}";
    assertFault(put("/actions", start), 400, "Cannot start microvm without kernel configuration.");
    assertEquals(204, put("/boot-source", "{\"kernel_image_path\": \"" + bzImage + "\"}").status());
    assertFault(put("/actions", start), 400, "requires PUT /machine-config");
    assertEquals(
        204, put("/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 128}").status());
    assertFault(put("/actions", start), 400, "requires a root block device");
    assertEquals(
        204,
        put(
                "/drives/rootfs",
                "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                    + rootfs
                    + "\", \"is_root_device\": true, \"is_read_only\": false}")
            .status());
    assertFault(put("/actions", start), 400, "failed to load ELF kernel image"); // the bzImage
    assertEquals("Not started", api.get("/").get("state").asText());
    assertEquals(204, put("/boot-source", "{\"kernel_image_path\": \"" + vmlinux + "\"}").status());
    assertEquals(204, put("/actions", start).status());
    assertEquals("Running", api.get("/").get("state").asText());
    assertEquals(List.of("started"), guest);
  }

  @Test
  void afterStartPreBootResourcesAndASecondStartAreRefused() throws Exception {
    configure();
    assertFault(
        put("/actions", "{\"action_type\": \"SendCtrlAltDel\"}"), 400, FirecrackerApiStub.PRE_BOOT);
    assertEquals(204, put("/actions", "{\"action_type\": \"InstanceStart\"}").status());
    assertFault(
        put("/actions", "{\"action_type\": \"InstanceStart\"}"), 400, FirecrackerApiStub.POST_BOOT);
    assertFault(
        put("/boot-source", "{\"kernel_image_path\": \"" + vmlinux + "\"}"),
        400,
        FirecrackerApiStub.POST_BOOT);
    assertFault(
        put("/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 128}"),
        400,
        FirecrackerApiStub.POST_BOOT);
    assertFault(
        put(
            "/drives/rootfs",
            "{\"drive_id\": \"rootfs\", \"path_on_host\": \""
                + rootfs
                + "\", \"is_root_device\": true, \"is_read_only\": false}"),
        400,
        FirecrackerApiStub.POST_BOOT);
    assertFault(
        put("/network-interfaces/eth0", "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\"}"),
        400,
        FirecrackerApiStub.POST_BOOT);
    assertFault(
        put("/vsock", "{\"guest_cid\": 3, \"uds_path\": \"" + dir.resolve("v.sock") + "\"}"),
        400,
        FirecrackerApiStub.POST_BOOT);
    assertFault(
        put("/actions", "{\"action_type\": \"FlushMetrics\"}"),
        400,
        "metrics system is not initialized");
    assertEquals(204, put("/actions", "{\"action_type\": \"SendCtrlAltDel\"}").status());
    assertEquals(List.of("started", "ctrl-alt-del"), guest);
  }

  @Test
  void networkInterfacesAreChecked() throws Exception {
    assertFault(
        put(
            "/network-interfaces/eth0",
            "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\","
                + " \"guest_mac\": \"02:00:00:00:00\"}"),
        400,
        "invalid MAC address");
    assertFault(
        put(
            "/network-interfaces/eth0",
            "{\"iface_id\": \"eth0\", \"host_dev_name\": \"a-very-long-tap-name\"}"),
        400,
        "Invalid interface name");
    assertEquals(
        204,
        put(
                "/network-interfaces/eth0",
                "{\"iface_id\": \"eth0\", \"host_dev_name\": \"tap0\","
                    + " \"guest_mac\": \"02:00:00:00:00:01\"}")
            .status());
    assertFault(
        put("/network-interfaces/eth1", "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap0\"}"),
        400,
        "already in use");
    assertFault(
        put(
            "/network-interfaces/eth1",
            "{\"iface_id\": \"eth1\", \"host_dev_name\": \"tap1\","
                + " \"guest_mac\": \"02:00:00:00:00:01\"}"),
        400,
        "MAC address is already in use");
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
    String two = raw("GET / HTTP/1.1\r\n\r\nGET /version HTTP/1.1\r\nConnection: close\r\n\r\n");
    assertEquals(2, two.split("HTTP/1.1 200 OK", -1).length - 1, two);
    assertTrue(two.contains("Not started") && two.contains("firecracker_version"), two);
  }

  @Test
  void callsAreRecordedInOrderWithTheirStatus() throws Exception {
    put("/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 128}");
    configure();
    api.get("/");
    List<String> lines = stub.calls().stream().map(FirecrackerApiStub.Call::line).toList();
    assertEquals(
        List.of(
            "PUT /machine-config 400",
            "PUT /machine-config 204",
            "PUT /boot-source 204",
            "PUT /drives/rootfs 204",
            "GET / 200"),
        lines);
    assertEquals(0, stub.calls().getFirst().body().get("vcpu_count").asInt());
    assertTrue(stub.calls().getFirst().fault().contains("vCPU number is invalid"));
  }
}
