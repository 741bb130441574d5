package dev.banger.image.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.oci.TransportPolicy;
import dev.banger.kit.config.CatalogEntryConfig;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogTest {

  private static final String SHA = "5e".repeat(32);

  private static Catalog load(String toml, TransportPolicy transport) throws ConfigException {
    return Catalog.load(ConfigLoader.parse(toml, "test").imageOrDefaults().catalog(), transport);
  }

  @Test
  void theEmbeddedCatalogHasTheDefaultImageAsAnMmdebstrapRecipe() throws Exception {
    Catalog c = Catalog.load(null, TransportPolicy.secure());
    var d =
        assertInstanceOf(CatalogEntry.Debian.class, c.find(Catalog.DEFAULT_IMAGE).orElseThrow());
    assertEquals("bookworm", d.suite());
    assertEquals("http://deb.debian.org/debian", d.mirror().toString());
    assertEquals("apt", d.variant());
    assertEquals(List.of("main"), d.components());
    assertTrue(
        d.packages()
            .containsAll(
                List.of(
                    "systemd-sysv",
                    "openssh-server",
                    "iproute2",
                    "ca-certificates",
                    "git",
                    "curl",
                    "sudo",
                    "udev",
                    "kmod",
                    "dbus",
                    "less",
                    "nano",
                    "procps",
                    "iputils-ping")),
        d.packages().toString());
    assertEquals("catalog:debian-bookworm@" + d.digest(), d.origin());
  }

  @Test
  void configAddsEntriesAndReplacesEmbeddedOnesOfTheSameName() throws Exception {
    Catalog c =
        load(
            """
        [image.catalog.debian-bookworm.debian]
        suite = "bookworm"
        packages = ["openssh-server"]

        [image.catalog.alpine]
        oci = "alpine:3.20"

        [image.catalog.pinned]
        bundle = { url = "https://example.org/r.tar.zst", sha256 = "%s" }
        """
                .formatted(SHA),
            TransportPolicy.secure());
    assertEquals(List.of("alpine", "debian-bookworm", "pinned"), c.names());
    var d = assertInstanceOf(CatalogEntry.Debian.class, c.find("debian-bookworm").orElseThrow());
    assertEquals(List.of("openssh-server"), d.packages(), "replaced whole, not merged");
    assertEquals("apt", d.variant(), "defaults fill what the entry leaves out");
    assertEquals(
        "docker.io/library/alpine:3.20",
        assertInstanceOf(CatalogEntry.Oci.class, c.find("alpine").orElseThrow()).origin());
    var b = assertInstanceOf(CatalogEntry.Bundle.class, c.find("pinned").orElseThrow());
    assertEquals("sha256:" + SHA, b.sha256().toString());
    assertEquals("catalog:pinned@sha256:" + SHA, b.origin());
  }

  @Test
  void theRecipeDigestIgnoresPackageOrderButNothingElse() {
    var base = recipe("bookworm", "apt", List.of("git", "curl"));
    assertEquals(base.digest(), recipe("bookworm", "apt", List.of("curl", "git")).digest());
    for (var other :
        List.of(
            recipe("trixie", "apt", List.of("git", "curl")),
            recipe("bookworm", "minbase", List.of("git", "curl")),
            recipe("bookworm", "apt", List.of("git", "curl", "nano")))) {
      assertNotEquals(base.digest(), other.digest(), other.toString());
    }
    assertTrue(base.digest().toString().matches("sha256:[0-9a-f]{64}"));
  }

  private static CatalogEntry.Debian recipe(String suite, String variant, List<String> packages) {
    return new CatalogEntry.Debian(
        "x",
        suite,
        java.net.URI.create("http://deb.debian.org/debian"),
        variant,
        List.of("main"),
        packages);
  }

  @Test
  void aReferenceTheOciParserRefusesStopsTheStartNamingTheKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> load("[image.catalog.bad]\noci = \"a/../b:t\"", TransportPolicy.secure()));
    assertTrue(e.getMessage().contains("image.catalog.bad.oci"), e.getMessage());
  }

  @Test
  void aPlainHttpBundleNeedsLoopbackOrAnInsecureHost() throws Exception {
    String toml =
        "[image.catalog.b.bundle]\nurl = \"http://mirror.example.org/r.tar\"\nsha256 = \""
            + SHA
            + "\"";
    ConfigException e =
        assertThrows(ConfigException.class, () -> load(toml, TransportPolicy.secure()));
    assertTrue(
        e.getMessage().startsWith("config.toml: image.catalog.b.bundle.url"), e.getMessage());
    assertTrue(
        e.getMessage().contains("refusing plain http to mirror.example.org"), e.getMessage());
    assertTrue(
        load(toml, TransportPolicy.withInsecureRegistries(Set.of("mirror.example.org")))
            .find("b")
            .isPresent());
    assertTrue(
        load(toml.replace("mirror.example.org", "127.0.0.1:8080"), TransportPolicy.secure())
            .find("b")
            .isPresent(),
        "loopback is always allowed");
  }

  @Test
  void anEntryThatBypassedTheLoaderIsStillChecked() {
    // Catalog.load takes a map: whoever builds it, the rules run again.
    var hostile =
        new CatalogEntryConfig(
            null,
            new CatalogEntryConfig.Debian("bookworm", null, null, List.of("git", "--root=/"), null),
            null);
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> Catalog.load(Map.of("x", hostile), TransportPolicy.secure()));
    assertTrue(e.getMessage().contains("image.catalog.x.debian.packages[1]"), e.getMessage());
  }
}
