package dev.banger.image.app;

import static dev.banger.image.app.AppFixture.NOT_CANCELLED;
import static dev.banger.image.app.AppFixture.QUIET;
import static dev.banger.image.app.AppFixture.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.store.ImageStore;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PullImage's rules: retry, refusal, force, the kernel's hold, and when a prune must wait. */
class ImagePullsTest {

  @TempDir Path dir;
  AppFixture app;

  @BeforeEach
  void setUp() throws Exception {
    app = new AppFixture(dir);
  }

  ImageStore.ImageRow pull(String origin, String name, String kernel, boolean force)
      throws Exception {
    return app.pulls.pull(
        new ImagePulls.Order(source(origin), name, 0, kernel, force, false), QUIET, NOT_CANCELLED);
  }

  @Test
  void aSecondPullOfTheSameOriginIsTheSameImageAndFetchesNothing() throws Exception {
    ImageStore.ImageRow web = app.image("web", "reg/web:1", true);
    assertEquals(web.id(), pull("reg/web:1", "web", "", false).id());
  }

  @Test
  void anotherOriginUnderATakenNameIsRefusedUnlessForced() throws Exception {
    app.image("web", "reg/web:1", true);
    ImageProblem p = assertThrows(ImageProblem.class, () -> pull("reg/other:1", "web", "", false));
    assertEquals("IMAGE_EXISTS", p.reason());
    assertEquals(ImageProblem.Kind.ALREADY_EXISTS, p.kind());
    assertTrue(p.getMessage().contains("pass force"), p.getMessage());

    assertThrows(
        AppFixture.Fetched.class,
        () -> pull("reg/other:1", "web", "", true),
        "force goes on to the pipeline");
    assertThrows(
        AppFixture.Fetched.class,
        () -> pull("reg/web:1", "web", "", true),
        "force of the same origin too: a rebuild, not a retry");
    assertEquals("reg/web:1", app.images.find("web").orElseThrow().origin(), "nothing replaced");
  }

  @Test
  void forceIsRefusedWhileAVmUsesTheImage() throws Exception {
    ImageStore.ImageRow web = app.image("web", "reg/web:1", true);
    app.images.addReference(web.id(), "3f0c2a1e-0000-4000-8000-000000000001");
    ImageProblem p = assertThrows(ImageProblem.class, () -> pull("reg/web:2", "web", "", true));
    assertEquals("IMAGE_IN_USE", p.reason());
    assertTrue(p.getMessage().contains("used by 1 VM(s)"), p.getMessage());
  }

  @Test
  void aPullOfTheSameOriginWithAnotherKernelIsNotARetry() throws Exception {
    app.image("web", "reg/web:1", true);
    app.kernel("k1");
    assertThrows(
        ImageProblem.class,
        () -> pull("reg/web:1", "web", "k1", false),
        "the image has no default kernel; k1 would change it");
    ImageProblem missing =
        assertThrows(ImageProblem.class, () -> pull("reg/web:1", "web", "nope", false));
    assertEquals(ImageProblem.Kind.NOT_FOUND, missing.kind());
    assertEquals("KERNEL_NOT_FOUND", missing.reason());
  }

  @Test
  void aPruneWaitsForNoPullAndAKernelDeleteForNoHold() throws Exception {
    app.kernel("k1");
    try (KernelLibrary.Pairing held = app.kernelLibrary.pair("k1")) {
      ImageProblem busy =
          assertThrows(ImageProblem.class, () -> app.kernelLibrary.delete("k1", false));
      assertEquals("KERNEL_BUSY", busy.reason());
    }
    app.kernelLibrary.delete("k1", false);
    assertTrue(app.kernels.find("k1").isEmpty(), "deleted once the pull's hold is gone");
  }

  @Test
  void badCredentialsAreRefusedBeforeAnythingOpens() {
    ImageProblem p = assertThrows(ImageProblem.class, () -> app.pulls.open("reg/x:1", "alice"));
    assertEquals(ImageProblem.Kind.INVALID_ARGUMENT, p.kind());
    assertEquals("credentials", p.metadata().get("field"));
  }
}
