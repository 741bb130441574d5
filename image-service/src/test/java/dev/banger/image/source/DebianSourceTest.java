package dev.banger.image.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.catalog.Catalog;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.oci.TransportPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parts of the mmdebstrap source that need no mirror: its argument vector, failure reading,
 * progress relay.
 */
class DebianSourceTest {

  @Test
  void theDefaultRecipeBecomesThisArgumentVector() throws Exception {
    var d =
        (CatalogEntry.Debian)
            Catalog.load(null, TransportPolicy.secure()).find("debian-bookworm").orElseThrow();
    assertEquals(
        List.of(
            "setsid",
            "--wait",
            "mmdebstrap",
            "--mode=unshare",
            "--variant=apt",
            "--format=tar",
            "--components=main",
            "--include=" + String.join(",", d.packages()),
            "--",
            "bookworm",
            "-",
            "http://deb.debian.org/debian"),
        DebianSource.argv(BootstrapMode.UNSHARE, d));
  }

  @Test
  void fakechrootModeChangesOnlyTheModeFlag() throws Exception {
    var d =
        (CatalogEntry.Debian)
            Catalog.load(null, TransportPolicy.secure()).find("debian-bookworm").orElseThrow();
    List<String> unshare = DebianSource.argv(BootstrapMode.UNSHARE, d);
    List<String> fake = DebianSource.argv(BootstrapMode.FAKECHROOT, d);
    assertEquals("--mode=fakechroot", fake.get(3));
    List<String> expected = new ArrayList<>(unshare);
    expected.set(3, "--mode=fakechroot");
    assertEquals(expected, fake);
    assertEquals("--mode=fakechroot", DebianKitPackages.argv(BootstrapMode.FAKECHROOT, d).get(3));
    assertEquals(
        "--mode=fakechroot", DebianKernelPackages.argv(BootstrapMode.FAKECHROOT, d).get(3));
    assertEquals("", DebianSource.modeNote(BootstrapMode.UNSHARE));
    assertEquals(
        " (fakechroot mode: no user namespace)", DebianSource.modeNote(BootstrapMode.FAKECHROOT));
  }

  @Test
  void aRecipeWithoutPackagesHasNoInclude() {
    var d =
        new CatalogEntry.Debian(
            "x",
            "trixie",
            java.net.URI.create("https://m.example/debian"),
            "essential",
            List.of("main", "contrib"),
            List.of());
    assertEquals(
        List.of(
            "setsid",
            "--wait",
            "mmdebstrap",
            "--mode=unshare",
            "--variant=essential",
            "--format=tar",
            "--components=main,contrib",
            "--",
            "trixie",
            "-",
            "https://m.example/debian"),
        DebianSource.argv(BootstrapMode.UNSHARE, d));
  }

  @Test
  void failuresAreClassifiedFromAptsOwnWords() {
    var missing =
        BootstrapException.fromFailure(
            "x",
            1,
            "I: running apt-get update...\nE: Unable to locate package banger-nope\nE: apt-get failed\n");
    assertEquals(BootstrapException.Kind.BAD_RECIPE, missing.kind());
    assertTrue(
        missing.getMessage().contains("Unable to locate package banger-nope"),
        missing.getMessage());
    assertEquals(
        BootstrapException.Kind.NETWORK,
        BootstrapException.fromFailure(
                "x",
                1,
                "Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\n")
            .kind());
    assertEquals(
        BootstrapException.Kind.NO_USER_NAMESPACE,
        BootstrapException.fromFailure(
                "x", 1, "W: /etc/subuid is empty\nE: failed to parse /etc/subuid and /etc/subgid\n")
            .kind());
    assertEquals(
        BootstrapException.Kind.MISSING,
        BootstrapException.fromFailure(
                "x", 127, "setsid: failed to execute mmdebstrap: No such file or directory\n")
            .kind());
    var other = BootstrapException.fromFailure("x", 25, "E: something \u001b[31mred\u001b[0m\n");
    assertEquals(BootstrapException.Kind.FAILED, other.kind());
    assertTrue(
        other.getMessage().contains("\\x1b[31mred"),
        "escape sequences are escaped: " + other.getMessage());
  }

  @Test
  void statusLinesAllPassChatterIsThinnedAndStagesNeverGoBack() {
    List<String> seen = new ArrayList<>();
    StderrRelay relay =
        new StderrRelay(
            new dev.banger.kit.ops.StageProgress() {
              @Override
              public void stage(String stage, String message, long done, long total) {
                seen.add("not marked as tool output: " + message);
              }

              @Override
              public void toolOutput(String stage, String line) {
                seen.add(stage + ": " + line);
              }
            });
    relay.line("I: downloading packages with apt...");
    for (int i = 0; i < 1000; i++) {
      relay.line("Get:" + i + " http://deb.debian.org/debian bookworm/main amd64 pkg" + i);
    }
    relay.line("I: extracting archives...");
    relay.switchTo("flatten");
    relay.line("I: done");
    relay.line("E: something failed");
    assertEquals("bootstrap: I: downloading packages with apt...", seen.getFirst());
    assertTrue(
        seen.size() <= 4,
        "1000 chatter lines in well under a second become at most one event: " + seen);
    assertTrue(seen.contains("bootstrap: I: extracting archives..."));
    assertEquals("not marked as tool output: E: something failed", seen.getLast());
    assertEquals("flatten: I: done", seen.get(seen.size() - 2));
  }
}
