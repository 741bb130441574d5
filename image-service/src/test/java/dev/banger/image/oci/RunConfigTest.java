package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The config's run settings, read as untrusted JSON. */
class RunConfigTest {

  private static RunConfig parse(String config) throws RegistryException {
    String json =
        "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"diff_ids\":[]}"
            + (config == null ? "" : ",\"config\":" + config)
            + "}";
    return ImageConfig.parse(json.getBytes(StandardCharsets.UTF_8), "the config").run();
  }

  @Test
  void entrypointCmdEnvDirectoryAndUser() throws Exception {
    RunConfig r =
        parse(
            "{\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
                + "\"Env\":[\"PATH=/usr/bin\"],\"WorkingDir\":\"/srv\",\"User\":\"101:101\"}");
    assertEquals(List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"), r.argv());
    assertEquals(List.of("PATH=/usr/bin"), r.env());
    assertEquals("/srv", r.workingDir());
    assertEquals("101:101", r.user());
  }

  @Test
  void nullsAndAbsenceMeanNothing() throws Exception {
    assertEquals(RunConfig.NONE, parse(null));
    assertEquals(RunConfig.NONE, parse("null"));
    assertEquals(
        RunConfig.NONE, parse("{\"Entrypoint\":null,\"Cmd\":null,\"Env\":null,\"User\":\"\"}"));
  }

  @Test
  void wrongTypesNulsAndFloodsAreRefused() {
    for (String bad :
        List.of(
            "{\"Cmd\":\"nginx\"}",
            "{\"Cmd\":[1]}",
            "{\"Env\":[\"A=\\u0000\"]}",
            "{\"User\":{}}",
            "{\"Cmd\":[" + "\"x\",".repeat(300) + "\"x\"]}",
            "{\"WorkingDir\":\"" + "a".repeat(9000) + "\"}")) {
      RegistryException e = assertThrows(RegistryException.class, () -> parse(bad), bad);
      assertTrue(e.getMessage().startsWith("the config "), e.getMessage());
    }
  }
}
