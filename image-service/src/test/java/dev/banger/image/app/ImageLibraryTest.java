package dev.banger.image.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.store.ImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image use cases other than pulls, on a real SQLite store and real files. */
class ImageLibraryTest {

  static final String VM = "3f0c2a1e-0000-4000-8000-000000000001";

  @TempDir Path dir;
  AppFixture app;

  @BeforeEach
  void setUp() throws Exception {
    app = new AppFixture(dir);
  }

  @Test
  void aDeleteRemovesRowThenFilesAndRefusesWhileAVmUsesItUnlessForced() throws Exception {
    ImageStore.ImageRow web = app.image("web", "reg/web:1", true);
    app.library.addReference("web", VM);
    ImageProblem inUse = assertThrows(ImageProblem.class, () -> app.library.delete("web", false));
    assertEquals("IMAGE_IN_USE", inUse.reason());
    assertTrue(Files.exists(Path.of(web.rootfsPath())));

    app.library.delete("web", true);
    assertTrue(app.images.find("web").isEmpty());
    assertFalse(Files.exists(Path.of(web.rootfsPath()).getParent()), "its directory is gone");

    ImageProblem gone = assertThrows(ImageProblem.class, () -> app.library.delete("web", false));
    assertEquals(ImageProblem.Kind.NOT_FOUND, gone.kind(), "a second delete says so");
    assertEquals("image \"web\" not found", gone.getMessage());
  }

  @Test
  void aRegisteredImageKeepsItsFileAndIsNotUsedByAVmBeforeItIsPromoted() throws Exception {
    ImageStore.ImageRow mine = app.image("mine", "/home/u/rootfs.ext4", false);
    ImageProblem p = assertThrows(ImageProblem.class, () -> app.library.addReference("mine", VM));
    assertEquals("IMAGE_NOT_PROMOTED", p.reason());
    app.library.delete("mine", false);
    assertTrue(Files.exists(Path.of(mine.rootfsPath())), "the user's file is the user's");
  }

  @Test
  void referencesAreCountedOnceAndRemovingAGoneOneIsNoError() throws Exception {
    app.image("web", "reg/web:1", true);
    app.library.addReference("web", VM);
    assertEquals(1, app.library.addReference("web", VM).vmRefs(), "the same VM twice: once");
    app.library.removeReference("web", VM);
    app.library.removeReference("web", VM);
    app.library.removeReference("nothing", VM);
    assertEquals(0, app.library.find("web").vmRefs());
  }

  @Test
  void pagesFollowTheNamesAndTheLastHasNoToken() throws Exception {
    for (String n : List.of("c", "a", "e", "b", "d")) {
      app.image(n, "reg/" + n + ":1", true);
    }
    Page<ImageStore.ImageRow> first = app.library.list("", 2);
    assertEquals(List.of("a", "b"), first.rows().stream().map(ImageStore.ImageRow::name).toList());
    assertEquals("b", first.nextPageToken());
    Page<ImageStore.ImageRow> last = app.library.list("d", 2);
    assertEquals(List.of("e"), last.rows().stream().map(ImageStore.ImageRow::name).toList());
    assertEquals("", last.nextPageToken());
    assertEquals(500, Page.size(0));
    assertEquals(500, Page.size(10_000));
    assertEquals(7, Page.size(7));
    ImageProblem empty = assertThrows(ImageProblem.class, () -> app.library.find(""));
    assertEquals("image", empty.metadata().get("field"));
  }
}
