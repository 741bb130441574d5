package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.auth.UserDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dist's {@code systemd/} files are templates: {@code @PREFIX@} (the install prefix) and
 * {@code @OWNER@} (the owner user) are replaced, and a token left over is an error, never written.
 * The config example becomes ETC/banger/config.toml with the owner and socket groups set.
 */
final class SystemTemplates {

  private static final Pattern TOKEN = Pattern.compile("@[A-Z_]+@");

  private SystemTemplates() {}

  /**
   * The allow-list principal of the owner's vm-service unit (docs/deploy.md, "Who may call what").
   */
  static String vmUnitPrincipal(String owner) {
    return "unit:banger-vm@" + owner + ".service";
  }

  /**
   * vm-service's {@code SupplementaryGroups=}: kvm only where {@code groupFile} has it (udev and
   * systemd-sysusers write system groups there, never to NSS); systemd refuses a missing group.
   */
  static String vmGroups(Path groupFile) {
    return new UserDirectory(Path.of("/etc/passwd"), groupFile).gidOf("kvm").isPresent()
        ? "kvm banger"
        : "banger";
  }

  static String render(Path template, Map<String, String> tokens) throws IOException {
    String text = Files.readString(template);
    for (Map.Entry<String, String> t : tokens.entrySet()) {
      text = text.replace("@" + t.getKey() + "@", t.getValue());
    }
    Matcher left = TOKEN.matcher(text);
    if (left.find()) {
      throw new CliException(template + " has a token install does not fill: " + left.group());
    }
    return text;
  }

  /**
   * The example config, made to work for the system services: {@code owner} allowed by the "owner"
   * principal, every socket in the banger group (each service's user creates its own socket, and
   * disk-service's would otherwise be root's group, which vm-service is not in), and net-service
   * and disk-service open to vm-service's unit rather than to the owner's uid (health to anyone who
   * can reach the socket).
   */
  static String config(String example, String owner) {
    StringBuilder b =
        new StringBuilder()
            .append(
                "# Written by 'banger system install' because there was no config here. Yours to edit:\n")
            .append("# installing again never overwrites it.\n")
            .append("owner = \"")
            .append(owner)
            .append("\"\n\n")
            .append(example.stripTrailing())
            .append("\n\n")
            .append(
                "# Each service's socket in the banger group, so the other services' users can connect.\n");
    String vmUnit = vmUnitPrincipal(owner);
    for (String s : new String[] {"image", "vm", "net", "disk"}) {
      b.append("[services.").append(s).append("]\nsocket_group = \"banger\"\n");
      if (s.equals("net") || s.equals("disk")) {
        // vm-service runs as the owner: by uid alone the owner's shell would pass as vm-service.
        // Its unit's cgroup tells them apart (docs/deploy.md, "Who may call what").
        b.append("allow = [\"root\", \"self\", \"")
            .append(vmUnit)
            .append(s.equals("disk") ? "\", \"user:banger-image\"]\n" : "\"]\n")
            .append("[services.")
            .append(s)
            .append(".methods]\n\"grpc.health.v1.Health/*\" = [\"any\"]\n");
      }
    }
    return b.toString();
  }
}
