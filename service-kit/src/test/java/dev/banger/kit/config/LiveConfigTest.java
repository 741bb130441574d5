package dev.banger.kit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file read again as it changes, on real files. */
class LiveConfigTest {

  @TempDir Path dir;

  @Test
  void anEditIsTakenABrokenOneIsNotAndTheLastGoodStays() throws Exception {
    Path f = Files.writeString(dir.resolve("config.toml"), "shutdown_grace_seconds = 5\n");
    BangerConfig loaded = ConfigLoader.load(f);
    LiveConfig live = new LiveConfig(f, loaded);
    assertSame(loaded, live.current(), "unchanged: the same config, not parsed again");

    Files.writeString(
        f,
        "shutdown_grace_seconds = 5\n[image.catalog.py.debian]\nsuite = \"bookworm\"\n"
            + "packages = [\"python3\"]\n");
    BangerConfig edited = live.current();
    assertEquals(java.util.Set.of("py"), edited.imageOrDefaults().catalog().keySet());

    Files.writeString(f, "[image.catalog.bad.debian]\nsuite = \"Not A Suite!\"\n");
    assertSame(edited, live.current(), "a file that does not load leaves the last good one");
    Files.delete(f);
    assertSame(edited, live.current(), "so does a file that is gone");

    Files.writeString(f, "shutdown_grace_seconds = 7\n");
    assertEquals(7, live.current().shutdownGraceSeconds());
  }

  @Test
  void aFixedConfigIsNeverReadAgain() {
    BangerConfig c = BangerConfig.defaults();
    assertSame(c, LiveConfig.fixed(c).current());
  }
}
