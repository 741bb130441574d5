package dev.banger.image.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.image.build.GuestCheck;
import dev.banger.image.build.ImageCommand;
import dev.banger.kit.db.SqliteDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an image's VMs boot, stored and read back whole (migration V4's columns). */
class ImageStoreGuestTest {

  @TempDir Path dir;

  @Test
  void theVerdictTheCommandAndTheKitVersionRoundTrip() throws Exception {
    Files.createDirectories(dir.resolve("state"));
    ImageStore store =
        new ImageStore(
            SqliteDatabase.open(dir.resolve("state/image.db"), "image", "db/migration/image"));
    ImageCommand command =
        new ImageCommand(
            List.of("httpd", "-f", "it's \"quoted\"\nand two lines"),
            "/bin/httpd",
            List.of("PATH=/bin", "X=é"),
            "/www",
            "www:www",
            33,
            34,
            "");
    GuestCheck.Verdict kit =
        new GuestCheck.Verdict(
                GuestCheck.Boot.KIT, List.of("no systemd: …", "musl C library"), command)
            .withKit("1-0123456789ab");
    ImageStore.ImageRow row =
        ImageStore.ImageRow.builder()
            .id("id-1")
            .name("web")
            .source("oci")
            .origin("reg/web:1")
            .rootfs("/x/r", 1)
            .guest(kit)
            .build();
    store.insert(row);
    assertEquals(kit, store.find("web").orElseThrow().guest());

    ImageStore.ImageRow plain = ImageStoreReplaceTest.row("id-2", "plain", "reg/plain:1");
    store.insert(plain);
    GuestCheck.Verdict none = store.find("plain").orElseThrow().guest();
    assertEquals(GuestCheck.Boot.SYSTEMD, none.boot());
    assertEquals(ImageCommand.NONE, none.command());
    assertEquals("", none.kitVersion());
  }
}
