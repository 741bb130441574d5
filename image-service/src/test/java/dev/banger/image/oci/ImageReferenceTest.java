package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageReferenceTest {

  static final String HEX = "a".repeat(64);

  static Stream<Arguments> valid() {
    return Stream.of(
        // input, registry (API host), repository, tag, digest, canonical
        Arguments.of(
            "debian",
            "registry-1.docker.io",
            "library/debian",
            "latest",
            null,
            "docker.io/library/debian:latest"),
        Arguments.of(
            "debian:12",
            "registry-1.docker.io",
            "library/debian",
            "12",
            null,
            "docker.io/library/debian:12"),
        Arguments.of(
            "docker.io/library/debian:bookworm-slim",
            "registry-1.docker.io",
            "library/debian",
            "bookworm-slim",
            null,
            "docker.io/library/debian:bookworm-slim"),
        Arguments.of(
            "index.docker.io/someone/tool",
            "registry-1.docker.io",
            "someone/tool",
            "latest",
            null,
            "docker.io/someone/tool:latest"),
        Arguments.of(
            "someone/tool:v1.2.3",
            "registry-1.docker.io",
            "someone/tool",
            "v1.2.3",
            null,
            "docker.io/someone/tool:v1.2.3"),
        Arguments.of(
            "127.0.0.1:5000/a/b:t", "127.0.0.1:5000", "a/b", "t", null, "127.0.0.1:5000/a/b:t"),
        Arguments.of(
            "localhost:5000/x@sha256:" + HEX,
            "localhost:5000",
            "x",
            null,
            "sha256:" + HEX,
            "localhost:5000/x@sha256:" + HEX),
        Arguments.of("localhost/x", "localhost", "x", "latest", null, "localhost/x:latest"),
        Arguments.of(
            "ghcr.io/org/app:1.0@sha256:" + HEX,
            "ghcr.io",
            "org/app",
            "1.0",
            "sha256:" + HEX,
            "ghcr.io/org/app:1.0@sha256:" + HEX),
        Arguments.of("[::1]:5000/a:b", "[::1]:5000", "a", "b", null, "[::1]:5000/a:b"),
        Arguments.of(
            "Registry.Example.COM/a",
            "registry.example.com",
            "a",
            "latest",
            null,
            "registry.example.com/a:latest"),
        Arguments.of(
            "quay.io/a-b/c__d/e.f_g--h",
            "quay.io",
            "a-b/c__d/e.f_g--h",
            "latest",
            null,
            "quay.io/a-b/c__d/e.f_g--h:latest"),
        Arguments.of(
            "debian:" + "t".repeat(128),
            "registry-1.docker.io",
            "library/debian",
            "t".repeat(128),
            null,
            "docker.io/library/debian:" + "t".repeat(128)),
        Arguments.of(
            "x@sha512:" + "b".repeat(128),
            "registry-1.docker.io",
            "library/x",
            null,
            "sha512:" + "b".repeat(128),
            "docker.io/library/x@sha512:" + "b".repeat(128)));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void parsesValidReferences(
      String input,
      String registry,
      String repository,
      String tag,
      String digest,
      String canonical) {
    ImageReference r = ImageReference.parse(input);
    assertEquals(registry, r.registry());
    assertEquals(repository, r.repository());
    assertEquals(tag, r.tag());
    assertEquals(digest, r.digest() == null ? null : r.digest().toString());
    assertEquals(canonical, r.canonical());
    // The canonical form parses back to the same reference.
    assertEquals(r, ImageReference.parse(r.canonical()));
  }

  static Stream<Arguments> hostile() {
    return Stream.of(
        Arguments.of("", "empty"),
        Arguments.of("Debian", "lowercase"),
        Arguments.of("docker.io/Library/debian", "lowercase"),
        Arguments.of("a/../b", "component \"..\""),
        Arguments.of("../etc/passwd", "not a valid host name"),
        Arguments.of("a b", "a space"),
        Arguments.of("debian $(x)", "a space"),
        Arguments.of("$(x)", "component \"$(x)\""),
        Arguments.of("`id`", "component \"`id`\""),
        Arguments.of("debian:" + "t".repeat(129), "tag"),
        Arguments.of("debian:-leading", "tag"),
        Arguments.of("debian:", "tag \"\""),
        Arguments.of("debian@sha256:abc", "64 hex digits"),
        Arguments.of("debian@sha256:" + "A".repeat(64), "lowercase"),
        Arguments.of("debian@md5:" + "a".repeat(32), "not supported"),
        Arguments.of("debian@", "not algorithm:hex"),
        Arguments.of("debian@sha256:" + HEX + "@sha256:" + HEX, "64 hex digits"),
        Arguments.of("débian", "U+00E9"),
        Arguments.of("debian\u202e", "U+202E"),
        Arguments.of("debian\n", "U+000A"),
        Arguments.of("debian\0", "U+0000"),
        Arguments.of("a//b", "empty path component"),
        Arguments.of("a/b/", "empty path component"),
        Arguments.of("host:5000/", "repository name is empty"),
        Arguments.of("host:0/a", "port"),
        Arguments.of("host:65536/a", "port"),
        Arguments.of("host:abc/a", "port"),
        Arguments.of("-host.com/a", "host name"),
        Arguments.of("ho_st.com/a", "host name"),
        Arguments.of("http://host/a", "host"),
        Arguments.of("[::1/a", "never closes"),
        Arguments.of("[zz::1]:5000/a", "IPv6"),
        // Found by OciParsingFuzzTest: "Y0/a" meant host y0, whose canonical form "y0/a:latest"
        // parsed back as the Docker Hub repository y0/a.
        Arguments.of("Y0/a", "needs a dot or a port"),
        Arguments.of("MyRegistry/team/app:1", "needs a dot or a port"),
        Arguments.of("a.-b", "component"),
        Arguments.of("a..b", "component"),
        Arguments.of("_a", "component"),
        Arguments.of("a___b", "component"),
        Arguments.of("x/" + "a".repeat(300), "longer than 255"),
        Arguments.of("x".repeat(600), "characters long"));
  }

  @ParameterizedTest
  @MethodSource("hostile")
  void refusesHostileReferences(String input, String because) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(input));
    assertTrue(
        e.getMessage().contains(because),
        () -> "message should mention " + because + ": " + e.getMessage());
    // The message never echoes raw control characters back to a terminal.
    assertTrue(
        e.getMessage().chars().allMatch(c -> c >= 0x20 && c != 0x7f && c != 0x202e),
        e.getMessage());
  }

  @Test
  void nullIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(null));
  }

  @Test
  void parseCheckedReportsABadReferenceKind() throws Exception {
    RegistryException e =
        assertThrows(RegistryException.class, () -> ImageReference.parseChecked("Bad Ref"));
    assertEquals(RegistryException.Kind.BAD_REFERENCE, e.kind());
    assertTrue(e.getMessage().startsWith("image reference \"Bad Ref\" is invalid"), e.getMessage());
    assertEquals(ImageReference.parse("debian"), ImageReference.parseChecked("debian"));
  }

  @Test
  void referenceIsTheDigestWhenPinned() {
    ImageReference r = ImageReference.parse("a/b:t@sha256:" + HEX);
    assertEquals("sha256:" + HEX, r.reference());
    assertEquals("docker.io/a/b", r.repositoryDisplay());
    ImageReference tagged = ImageReference.parse("127.0.0.1:5000/a:t");
    assertEquals("t", tagged.reference());
    assertNull(tagged.digest());
    assertFalse(tagged.withDigest(Digest.parse("sha256:" + HEX)).reference().equals("t"));
  }

  @Test
  void directConstructionIsCheckedToo() {
    assertEquals(
        "127.0.0.1:5000/a:t", new ImageReference("127.0.0.1:5000", "a", "t", null).canonical());
    assertThrows(
        IllegalArgumentException.class,
        () -> new ImageReference("127.0.0.1:5000", "a/../../x", "t", null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ImageReference("127.0.0.1:5000", "a", "t/../x", null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ImageReference("docker.io", "library/a", "t", null));
    assertThrows(
        IllegalArgumentException.class, () -> new ImageReference("Host:1", "a", "t", null));
    assertThrows(IllegalArgumentException.class, () -> new ImageReference("h/x", "a", "t", null));
    assertThrows(IllegalArgumentException.class, () -> new ImageReference("y0", "a", "t", null));
    assertThrows(IllegalArgumentException.class, () -> new ImageReference("h", "a", null, null));
  }
}
