package dev.banger.kit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.state.ServiceName;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  @Test
  void fullExampleParses() throws Exception {
    BangerConfig c =
        ConfigLoader.parse(
            """
        owner = "1000"
        shutdown_grace_seconds = 3

        [services.net]
        socket_mode = "0666"
        socket_group = "banger"
        allow = ["root", "owner"]

        [services.net.methods]
        "grpc.health.v1.Health/*" = ["any"]
        """,
            "test");
    assertEquals(3, c.shutdownGrace());
    assertEquals("0666", c.service(ServiceName.NET).socketMode());
    assertEquals(List.of("root", "owner"), c.service(ServiceName.NET).allow());
    assertNull(c.service(ServiceName.VM).allow());
  }

  @Test
  void netSectionParsesAndDefaults() throws Exception {
    BangerConfig c =
        ConfigLoader.parse(
            """
        [net]
        bridge = "br-banger-t1"
        cidr = "10.99.0.1/16"
        tap_pool_size = 0
        uplink = "enp0s31f6"
        lease_quarantine_seconds = 60
        dns_port = 0
        dns_listen = ["127.0.0.1:5354"]
        """,
            "test");
    assertEquals(0, c.netOrDefaults().dnsPortOrDefault());
    assertEquals(
        List.of(new java.net.InetSocketAddress("127.0.0.1", 5354)),
        c.netOrDefaults().dnsListenAddresses());
    assertEquals("br-banger-t1", c.netOrDefaults().bridgeOrDefault());
    assertEquals("10.99.0.0/16", c.netOrDefaults().cidrOrDefault().networkText());
    assertEquals(0, c.netOrDefaults().tapPoolSizeOrDefault());
    assertEquals("enp0s31f6", c.netOrDefaults().uplinkOverride().orElseThrow());
    assertEquals(60, c.netOrDefaults().leaseQuarantine().toSeconds());
    NetConfig d = ConfigLoader.parse("", "test").netOrDefaults();
    assertEquals("br-banger", d.bridgeOrDefault());
    assertEquals("172.16.0.1/24", d.cidrOrDefault().toString());
    assertEquals(NetConfig.DEFAULT_TAP_POOL_SIZE, d.tapPoolSizeOrDefault());
    assertTrue(d.uplinkOverride().isEmpty());
    assertEquals(53, d.dnsPortOrDefault());
    assertTrue(d.dnsListenAddresses().isEmpty());
  }

  @Test
  void emptyFileMeansDefaults() throws Exception {
    BangerConfig c = ConfigLoader.parse("", "test");
    assertEquals(BangerConfig.DEFAULT_SHUTDOWN_GRACE_SECONDS, c.shutdownGrace());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      shutdown_grace = 3                                     | unknown key "shutdown_grace"
      [services.vm]\\nsocket_mod = "0600"                    | unknown key "services.vm.socket_mod"
      [services.dns]\\nallow = ["root"]                      | unknown service "dns"
      [services.vm]\\nsocket_mode = "rw-rw----"              | is not an octal mode
      [services.vm]\\nsocket_mode = "0999"                   | is not an octal mode
      [services.vm]\\nallow = ["admins"]                     | principal "admins"
      [services.vm]\\nallow = ["user:$(id)"]                 | is not a valid user or group name
      [services.vm.methods]\\n"NoSlash" = ["root"]           | must look like package.Service/Method
      [services.vm]\\nsocket = "relative.sock"               | must be an absolute path
      shutdown_grace_seconds = 9000                          | shutdown_grace_seconds must be 0..600
      owner = "bad owner"                                    | is not a user name or uid
      owner = [                                              | test
      [net]\\nbridge = "eth0"                                 | bridge name must match
      [net]\\nbridge = "br-banger-abcdefgh"                   | at most 15 characters
      [net]\\nbridge = "br-banger;reboot"                     | bridge name must match
      [net]\\ncidr = "172.16.0.1"                             | is not an IPv4 address with a prefix length
      [net]\\ncidr = "172.16.0.1/31"                          | prefix length must be 8..30
      [net]\\ncidr = "10.0.0.1/7"                             | prefix length must be 8..30
      [net]\\ncidr = "172.16.0.0/24"                          | not the network address
      [net]\\ncidr = "172.16.0.255/24"                        | not the broadcast address
      [net]\\ncidr = "172.016.0.1/24"                         | leading zero
      [net]\\ncidr = "300.16.0.1/24"                          | octet over 255
      [net]\\ncidr = "127.0.0.1/8"                            | unicast address outside
      [net]\\ntap_pool_size = 65                              | tap_pool_size must be 0..64
      [net]\\ntap_pool_size = -1                              | tap_pool_size must be 0..64
      [net]\\nuplink = "eth0 oifname lo"                      | interface name must be
      [net]\\ndns_port = 70000                               | dns_port must be 0 (off)..65535
      [net]\\ndns_listen = ["localhost:53"]                  | dns_listen entries must be "ipv4:port"
      [net]\\ndns_listen = ["127.0.0.1:0"]                   | dns_listen port must be 1..65535
      [net]\\ndns_listen = ["127.0.0.1:53;x"]                | dns_listen entries must be "ipv4:port"
      [net]\\ndns_listen = ["300.0.0.1:53"]                  | dns_listen address 300.0.0.1
      [net]\\nuplink = "waytoolonginterface0"                 | interface name must be
      [net]\\nlease_quarantine_seconds = -5                   | lease_quarantine_seconds must be
      [net]\\nbridges = "br-banger"                           | unknown key "net.bridges"
      [[file_sync]]\\nguest = "/root/x"                        | file_sync[0].host is required
      [[file_sync]]\\nhost = "rel/x"\\nguest = "/root/x"       | must be absolute or start with ~/
      [[file_sync]]\\nhost = "/h"\\nguest = "/etc/passwd"      | file_sync[0].guest "/etc/passwd" must be below /root/
      [[file_sync]]\\nhost = "/h"\\nguest = "/root"            | must be below /root/
      [[file_sync]]\\nhost = "/h"\\nguest = "/root/../etc/x"   | no '.' or '..'
      [[file_sync]]\\nhost = "/h"\\nguest = "/root/a//b"       | no empty parts
      [[file_sync]]\\nhost = "/h"\\nguest = "/root/a b"        | plain names
      [[file_sync]]\\nhost = "/h"\\nguest = "/root/x"\\nmode = "0999" | must be octal permission bits
      [[file_sync]]\\nhost = "/h"\\nguest = "/root/x"\\nowner = "x" | unknown key "file_sync.[0].owner"
      """)
  void badConfigIsRejectedNamingTheKey(String toml, String expected) {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(toml.replace("\\n", "\n"), "test"));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("test"), "names the file: " + e.getMessage());
  }

  @Test
  void catalogEntriesParseWithOneSourceEach() throws Exception {
    BangerConfig c =
        ConfigLoader.parse(
            """
        [image.catalog.debian-trixie.debian]
        suite = "trixie"
        mirror = "https://deb.debian.org/debian"
        variant = "minbase"
        packages = ["systemd-sysv", "openssh-server", "g++", "libstdc++6"]
        components = ["main", "non-free-firmware"]

        [image.catalog.alpine]
        oci = "docker.io/library/alpine:3.20"

        [image.catalog."pinned.v1"]
        bundle = { url = "https://example.org/rootfs.tar.zst?sig=1", sha256 = "%s" }
        """
                .formatted("ab".repeat(32)),
            "test");
    var catalog = c.imageOrDefaults().catalog();
    assertEquals(
        List.of("systemd-sysv", "openssh-server", "g++", "libstdc++6"),
        catalog.get("debian-trixie").debian().packages());
    assertEquals("docker.io/library/alpine:3.20", catalog.get("alpine").oci());
    assertEquals("ab".repeat(32), catalog.get("pinned.v1").bundle().sha256());
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments>
      hostileCatalogEntries() {
    String sha = "0".repeat(64);
    return java.util.stream.Stream.of(
            new String[] {"[image.catalog.Bad_Name]\noci = \"a:b\"", "catalog names must match"},
            new String[] {"[image.catalog.\"../x\"]\noci = \"a:b\"", "catalog names must match"},
            new String[] {
              "[image.catalog.x]\noci = \"a:b\"\nbundle = { url = \"https://h/x\", sha256 = \""
                  + sha
                  + "\" }",
              "image.catalog.x has 2 sources"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\n[image.catalog.x.bundle]\nurl = \"https://h/\"",
              "image.catalog.x has 2 sources"
            },
            new String[] {"[image.catalog.x]\noci = \"a b\"", "image.catalog.x.oci"},
            new String[] {"[image.catalog.x]\noci = \"$(reboot)\"", "is not an OCI reference"},
            new String[] {
              "[image.catalog.x.debian]\npackages = [\"git\"]", "image.catalog.x.debian.suite"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"--help\"", "image.catalog.x.debian.suite"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\npackages = [\"git\", \"--root\"]",
              "image.catalog.x.debian.packages[1]"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\npackages = [\"git,curl\"]",
              "is not a Debian package name"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\npackages = [\"Git\"]", "packages[0]"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\npackages = [\"git\", \"git\"]",
              "lists git twice"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\nvariant = \"fat\"",
              "variant \"fat\" is not one of"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\nmirror = \"ftp://m/debian\"",
              "image.catalog.x.debian.mirror"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\nmirror = \"file:///srv/debian\"",
              "must be an http:// or https:// URL"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\nmirror = \"http://m/debian?x=1\"",
              "must not have a ?query"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\nmirror = \"deb http://m/ bookworm main\"",
              "without spaces"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\ncomponents = [\"main\", \"Main\"]",
              "components[1]"
            },
            new String[] {
              "[image.catalog.x.debian]\nsuite = \"bookworm\"\ncomponents = []",
              "components is empty"
            },
            new String[] {
              "[image.catalog.x.bundle]\nurl = \"https://h/r.tar\"\nsha256 = \"xyz\"",
              "image.catalog.x.bundle.sha256"
            },
            new String[] {
              "[image.catalog.x.bundle]\nurl = \"https://h/r.tar\"\nsha256 = \""
                  + sha.toUpperCase()
                  + "A\"",
              "64 lower-case hex"
            },
            new String[] {
              "[image.catalog.x.bundle]\nurl = \"https://user:pw@h/r.tar\"\nsha256 = \""
                  + sha
                  + "\"",
              "must not carry user info"
            },
            new String[] {
              "[image.catalog.x.bundle]\nurl = \"javascript:alert(1)\"\nsha256 = \"" + sha + "\"",
              "image.catalog.x.bundle.url"
            },
            new String[] {
              "[image.catalog.x.bundle]\nsha256 = \"" + sha + "\"",
              "image.catalog.x.bundle.url is missing"
            },
            new String[] {
              "[image.catalog.x.bundle]\nurl = \"https://h/r\"\nsha256 = \"" + sha + "\"\nsize = 3",
              "unknown key \"image.catalog.x.bundle.size\""
            },
            new String[] {
              "[image.catalog.x]\ndescription = \"d\"",
              "unknown key \"image.catalog.x.description\""
            })
        .map(a -> org.junit.jupiter.params.provider.Arguments.of(a[0], a[1]));
  }

  @ParameterizedTest(name = "{1}")
  @org.junit.jupiter.params.provider.MethodSource("hostileCatalogEntries")
  void hostileCatalogEntriesAreRejectedNamingTheKey(String toml, String expected) {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.parse(toml.replace("\\n", "\n"), "test"));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().startsWith("test"), "names the file: " + e.getMessage());
  }

  @Test
  void explicitConfigMustExistDefaultMayBeAbsent(@TempDir Path dir) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.toml")));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void defaultPoliciesFollowTheDesignTable() throws Exception {
    BangerConfig c = ConfigLoader.parse("", "test");
    UserDirectory users = new UserDirectory();
    var net = PolicyFactory.build(c, ServiceName.NET, users, 4000, 1000);
    assertTrue(
        net.decide(new PeerCredentials(1, 0, 0), "banger.net.v1.NetService/LeaseIp").allowed());
    assertTrue(
        net.decide(new PeerCredentials(1, 1000, 1000), "banger.net.v1.NetService/LeaseIp")
            .allowed());
    assertTrue(
        net.decide(new PeerCredentials(1, 4000, 4000), "banger.net.v1.NetService/LeaseIp")
            .allowed());
    assertEquals(
        false,
        net.decide(new PeerCredentials(1, 65534, 65534), "grpc.health.v1.Health/Check").allowed());
  }

  @Test
  void ownerDefaultsToSelfOnlyInAllInOneMode() throws Exception {
    BangerConfig c = BangerConfig.defaults();
    assertEquals(77, PolicyFactory.ownerUid(c, new UserDirectory(), true, 77));
    assertEquals(-1, PolicyFactory.ownerUid(c, new UserDirectory(), false, 77));
    assertEquals(
        0,
        PolicyFactory.ownerUid(
            ConfigLoader.parse("owner = \"root\"", "t"), new UserDirectory(), false, 77));
    assertThrows(
        ConfigException.class,
        () ->
            PolicyFactory.ownerUid(
                ConfigLoader.parse("owner = \"no-such-user-x\"", "t"),
                new UserDirectory(),
                false,
                77));
  }

  @Test
  void fileSyncEntriesParseWithTheirDefaults() throws Exception {
    BangerConfig c =
        ConfigLoader.parse(
            """
        [[file_sync]]
        host = "~/.gitconfig"
        guest = "/root/.gitconfig"

        [[file_sync]]
        host = "/etc/team/tools"
        guest = "/root/tools"
        mode = "0755"
        """,
            "test");
    assertEquals(2, c.fileSyncOrEmpty().size());
    assertEquals(0600, c.fileSyncOrEmpty().get(0).modeOrDefault());
    assertEquals("/.gitconfig", c.fileSyncOrEmpty().get(0).workDiskPath());
    assertEquals(0755, c.fileSyncOrEmpty().get(1).modeOrDefault());
    assertTrue(ConfigLoader.parse("", "test").fileSyncOrEmpty().isEmpty());
  }
}
