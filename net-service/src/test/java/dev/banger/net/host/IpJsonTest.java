package dev.banger.net.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** iproute2 JSON as iproute2 6.1 printed it on the build machine, and the batch helpers. */
class IpJsonTest {

  static final String TAP =
      """
      [{"ifindex":3,"ifname":"tb-12345678","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,
        "master":"br-banger","operstate":"DOWN","link_type":"ether","address":"52:34:32:5c:f0:d2",
        "linkinfo":{"info_kind":"tun","info_data":{"type":"tap","pi":false,"vnet_hdr":false,"multi_queue":false,
        "persist":true,"user":"alice"},"info_slave_kind":"bridge"},"ifalias":"banger:0123abcd:pool"},
       {"ifindex":4,"ifname":"tbp-1","flags":["BROADCAST","MULTICAST"],"linkinfo":{"info_kind":"tun",
        "info_data":{"type":"tap","persist":true,"user":"1001"}}},
       {"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"]},
       {"ifindex":2,"ifname":"br-banger","flags":["UP"],"linkinfo":{"info_kind":"bridge","info_data":{}}}]
      """;

  IpJson json(Path dir) throws IOException {
    Path passwd = dir.resolve("passwd");
    Files.writeString(passwd, "alice:x:1000:1000::/home/alice:/bin/sh\n");
    Path group = dir.resolve("group");
    Files.writeString(group, "");
    Path sys = dir.resolve("sys-class-net");
    Files.createDirectories(sys.resolve("tbp-ldap"));
    Files.writeString(sys.resolve("tbp-ldap").resolve("owner"), "5005\n");
    return new IpJson(new UserDirectory(passwd, group), sys);
  }

  @Test
  void linksKeepWhatBangerDecidesOn(@TempDir Path dir) throws Exception {
    List<LinkInfo> l = json(dir).links(TAP);
    assertEquals(4, l.size());
    LinkInfo tap = l.get(0);
    assertTrue(tap.isTap());
    assertEquals(1000, tap.ownerUid(), "ip printed the owner's name; mapped back to the uid");
    assertEquals("br-banger", tap.master());
    assertEquals("banger:0123abcd:pool", tap.alias());
    assertTrue(tap.up());
    assertEquals(1001, l.get(1).ownerUid());
    assertFalse(l.get(1).up());
    assertEquals("", l.get(1).master());
    assertEquals(-1, l.get(2).ownerUid());
    assertTrue(l.get(3).isBridge());
    assertEquals(List.of(), json(dir).links(""), "no links: empty output");
  }

  @Test
  void anOwnerNameIsMappedBackThroughSysfsAndNeverGuessed(@TempDir Path dir) throws Exception {
    String ldap =
        """
        [{"ifname":"tbp-ldap","flags":[],"linkinfo":{"info_kind":"tun","info_data":{"type":"tap","user":"ldapuser"}}},
         {"ifname":"tbp-gone","flags":[],"linkinfo":{"info_kind":"tun","info_data":{"type":"tap","user":"mallory"}}}]
        """;
    List<LinkInfo> l = json(dir).links(ldap);
    assertEquals(5005, l.get(0).ownerUid(), "a name only NSS knows: sysfs has the number");
    assertEquals(
        IpJson.UNKNOWN_OWNER, l.get(1).ownerUid(), "nowhere to be found: unknown, matching no uid");
    assertThrows(IOException.class, () -> json(dir).links("{\"not\":\"an array\"}"));
  }

  @Test
  void addressesAndRoutes(@TempDir Path dir) throws Exception {
    Map<String, List<Ipv4Cidr>> a =
        json(dir)
            .ipv4Addresses(
                """
        [{"ifindex":2,"ifname":"br-banger","addr_info":[{"family":"inet","local":"172.16.0.1","prefixlen":24},
          {"family":"inet6","local":"fe80::1","prefixlen":64}]},{"ifindex":1,"ifname":"lo","addr_info":[]}]
        """);
    assertEquals(List.of(Ipv4Cidr.parse("172.16.0.1/24")), a.get("br-banger"));
    assertEquals(List.of(), a.get("lo"));
    assertEquals(
        List.of("eth0"),
        json(dir)
            .routeDevices(
                """
        [{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]}]"""));
    assertEquals(List.of(), json(dir).routeDevices("[]"));
  }

  @Test
  void batchTokensMustBePlainWordsAndFailedLinesAreRead() {
    assertEquals(
        "link set dev tb-1 up\n", new IpBatch().line("link", "set", "dev", "tb-1", "up").script());
    for (String bad : new String[] {"a b", "\"q\"", "#c", "x\ny", "", "a\\b", "$(id)"}) {
      assertThrows(
          IllegalArgumentException.class, () -> new IpBatch().line("link", "del", bad), bad);
    }
    Command c = Command.of("ip", "-batch", "-").build();
    CommandFailedException line2 =
        new CommandFailedException(
            CommandFailedException.Kind.NON_ZERO_EXIT,
            c,
            new CommandResult(
                c,
                1,
                new byte[0],
                "RTNETLINK answers: File exists\nCommand failed -:2\n"
                    .getBytes(StandardCharsets.UTF_8)),
            null,
            null);
    assertEquals(2, Ip.failedLine(line2).getAsInt());
    assertTrue(Ip.firstLineTookEffect(line2));
    CommandFailedException line1 =
        new CommandFailedException(
            CommandFailedException.Kind.NON_ZERO_EXIT,
            c,
            new CommandResult(
                c,
                1,
                new byte[0],
                "ioctl(TUNSETIFF): Device or resource busy\nCommand failed -:1\n"
                    .getBytes(StandardCharsets.UTF_8)),
            null,
            null);
    assertFalse(Ip.firstLineTookEffect(line1));
    CommandFailedException parse =
        new CommandFailedException(
            CommandFailedException.Kind.NON_ZERO_EXIT,
            c,
            new CommandResult(
                c,
                255,
                new byte[0],
                "Error: argument \"nobr\" is wrong: Device does not exist\n"
                    .getBytes(StandardCharsets.UTF_8)),
            null,
            null);
    assertTrue(
        Ip.firstLineTookEffect(parse), "a parse failure without a line number is a later line");
  }
}
