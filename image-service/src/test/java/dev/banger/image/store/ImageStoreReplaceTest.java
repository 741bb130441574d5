package dev.banger.image.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.db.SqliteDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A forced pull's commit on real SQLite: one name throughout, and never under a VM's feet. */
class ImageStoreReplaceTest {

  @TempDir Path dir;

  static ImageStore.ImageRow row(String id, String name, String origin) {
    return ImageStore.ImageRow.builder()
        .id(id)
        .name(name)
        .source("oci")
        .origin(origin)
        .digest("sha256:00")
        .rootfs("/x/" + id, 1)
        .workSeedPath("/x/s")
        .downloadBytes(1)
        .build();
  }

  @Test
  void theNewRowTakesTheNameInOneStepUnlessAVmNowUsesTheOld() throws Exception {
    Files.createDirectories(dir.resolve("state"));
    ImageStore store =
        new ImageStore(
            SqliteDatabase.open(dir.resolve("state/image.db"), "image", "db/migration/image"));
    store.insert(row("old", "web", "reg/a:1"));
    assertTrue(store.replace("old", row("new", "web", "reg/b:1")));
    assertEquals("new", store.find("web").orElseThrow().id());
    assertFalse(store.find("old").isPresent());

    // A VM made from the image while the forced pull ran keeps it: nothing changes.
    store.addReference("new", "vm-1");
    assertFalse(store.replace("new", row("newer", "web", "reg/c:1")));
    assertEquals("new", store.find("web").orElseThrow().id());
    assertFalse(store.find("newer").isPresent());
  }
}
