package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.api.vm.v1.VmState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** -o json: numbers as numbers, enums as the table says them, timestamps as RFC 3339. */
class CliJsonTest {

  final ObjectMapper mapper = new ObjectMapper();

  @Test
  void int64IsANumberAndAnEnumReadsAsTheTableShowsIt() throws Exception {
    Vm vm =
        Vm.newBuilder()
            .setName("a")
            .setState(VmState.VM_STATE_RUNNING)
            .setSpec(VmSpec.newBuilder().setMemoryMib(1024).setWorkDiskBytes(8L << 30))
            .setCreateTime(Timestamp.newBuilder().setSeconds(1_700_000_000L))
            .build();
    JsonNode j = mapper.readTree(CliJson.pretty(vm));
    assertEquals("running", j.get("state").asText());
    assertTrue(j.get("spec").get("work_disk_bytes").isNumber(), j.toString());
    assertEquals(8L << 30, j.get("spec").get("work_disk_bytes").asLong());
    assertEquals("2023-11-14T22:13:20Z", j.get("create_time").asText());
    assertEquals("", j.get("ip_address").asText(), "fields with no value are printed");
    assertTrue(
        CliJson.pretty(vm).contains("\"name\": \"a\""), "jq's layout: " + CliJson.pretty(vm));
  }

  @Test
  void everyRecordOfAListInTheSameStyle() throws Exception {
    List<Image> images =
        List.of(
            Image.newBuilder()
                .setName("x")
                .setSource(ImageSource.IMAGE_SOURCE_DEBIAN)
                .setRootfsSizeBytes(5)
                .build(),
            Image.newBuilder().setName("y").build());
    JsonNode j = mapper.readTree(CliJson.pretty(images));
    assertEquals(2, j.size());
    assertEquals("debian", j.get(0).get("source").asText());
    assertEquals("unspecified", j.get(1).get("source").asText());
    assertEquals(5, j.get(0).get("rootfs_size_bytes").asLong());
    assertTrue(j.get(0).get("rootfs_size_bytes").isIntegralNumber());
    assertEquals("[]", CliJson.pretty(List.of()).replaceAll("\\s", ""));
  }

  @Test
  void jsonLinesAreOneCompactRecordPerLine() throws Exception {
    List<Vm> vms =
        List.of(
            Vm.newBuilder().setName("a").setState(VmState.VM_STATE_RUNNING).build(),
            Vm.newBuilder().setName("b").build());
    List<String> lines = CliJson.lines(vms).lines().toList();
    assertEquals(2, lines.size());
    assertEquals("running", mapper.readTree(lines.get(0)).get("state").asText());
    assertEquals("b", mapper.readTree(lines.get(1)).get("name").asText());
    assertEquals(1, CliJson.lines(vms.getFirst()).lines().count(), "one record, one line");
    record Check(String check, int n) {}
    assertEquals("{\"check\":\"kvm\",\"n\":1}", CliJson.lines(List.of(new Check("kvm", 1))));
    assertEquals("", CliJson.lines(List.of()), "an empty list prints nothing");
  }

  @Test
  void enumPrefixesComeFromTheTypeName() {
    assertEquals("running", CliJson.enumText("VM_STATE_RUNNING", "VmState"));
    assertEquals("oci", CliJson.enumText("IMAGE_SOURCE_OCI", "ImageSource"));
    assertEquals("other_thing", CliJson.enumText("OTHER_THING", "VmState"));
  }
}
