package dev.banger.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code banger ssh-config}: a {@code Host *.vm} block so plain {@code ssh NAME.vm} (and scp,
 * rsync, editors' remote modes) reach VMs with banger's key and pinned known_hosts. Printed by
 * default; {@code --install} writes it to {@code ~/.config/banger/ssh_config} and puts one {@code
 * Include} line at the top of {@code ~/.ssh/config} (an Include inside a Host block would apply to
 * that block only), leaving the rest of that file byte for byte.
 */
@Command(
    name = "ssh-config",
    description = "Print (or --install) an ssh config block for NAME.vm hosts.",
    mixinStandardHelpOptions = true)
final class SshConfigCommand implements Callable<Integer> {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true)
  Mode mode;

  static final class Mode {
    @Option(
        names = "--install",
        description = "Write ~/.config/banger/ssh_config and Include it from ~/.ssh/config.")
    boolean install;

    @Option(names = "--uninstall", description = "Remove that Include line and the file.")
    boolean uninstall;
  }

  /** The home directory; a system property so tests can use a scratch one. */
  /** This installation's launcher (bin/banger beside lib/), or "banger" from PATH. */
  static String launcher() {
    String home = System.getProperty("banger.home");
    return home == null ? "banger" : Path.of(home, "bin", "banger").toString();
  }

  static Path home() {
    return Path.of(System.getProperty("banger.user.home", System.getProperty("user.home")));
  }

  /**
   * The block. {@code NAME.vm} is resolved by banger itself through the ProxyCommand (vm-service
   * knows the address), so neither the host's resolver nor /etc/hosts has to know {@code .vm}.
   *
   * @param stateDir the CLI's --state-dir, passed on to the proxy; null for the default
   */
  static String block(Services s, java.nio.file.Path stateDir) {
    java.util.List<String> proxy = new java.util.ArrayList<>();
    proxy.add(launcher());
    if (stateDir != null) {
      proxy.addAll(java.util.List.of("--state-dir", stateDir.toAbsolutePath().toString()));
    }
    proxy.addAll(java.util.List.of("vm", "ssh-proxy"));
    return "# Written by 'banger ssh-config'; regenerate rather than edit.\n"
        + "Host *.vm\n"
        + "  ProxyCommand "
        // ssh expands %-tokens in the line before the shell sees it: a literal % is %%.
        + ShellQuote.join(proxy).replace("%", "%%")
        + " %h %p\n"
        + "  User root\n"
        + "  IdentityFile "
        + quoted(s.sshKey())
        + "\n"
        + "  IdentitiesOnly yes\n"
        + "  UserKnownHostsFile "
        + quoted(s.knownHosts())
        + "\n"
        + "  StrictHostKeyChecking yes\n";
  }

  /** ssh_config splits on blanks unless the value is double-quoted. */
  private static String quoted(Path p) {
    String s = p.toString();
    return s.contains(" ") ? "\"" + s + "\"" : s;
  }

  @Override
  public Integer call() throws IOException {
    Path file = home().resolve(".config/banger/ssh_config");
    Path sshConfig = home().resolve(".ssh/config");
    String include = "Include " + quoted(file);
    var out = spec.commandLine().getOut();
    String block;
    try (Services s = new Services(parent.layout())) {
      block = block(s, parent.stateDir);
    }
    if (mode == null) {
      out.print(block);
      return 0;
    }
    if (mode.install) {
      Files.createDirectories(file.getParent());
      writeAtomically(file, block.getBytes(StandardCharsets.UTF_8), "rw-r--r--");
      if (!Files.exists(sshConfig)) {
        if (!Files.isDirectory(sshConfig.getParent())) {
          Files.createDirectories(sshConfig.getParent());
          Files.setPosixFilePermissions(
              sshConfig.getParent(), PosixFilePermissions.fromString("rwx------"));
        }
        writeAtomically(sshConfig, (include + "\n").getBytes(StandardCharsets.UTF_8), "rw-------");
        out.println("wrote " + file + " and created " + sshConfig + " including it");
      } else if (hasLine(Files.readString(sshConfig, StandardCharsets.ISO_8859_1), include)) {
        out.println("wrote " + file + "; " + sshConfig + " already includes it");
      } else {
        byte[] rest = Files.readAllBytes(sshConfig);
        byte[] head = (include + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        writeAtomically(sshConfig, all, null);
        out.println("wrote " + file + " and added '" + include + "' at the top of " + sshConfig);
      }
      return 0;
    }
    if (Files.exists(sshConfig)) {
      // ISO-8859-1 maps each byte to one char and back, so the rest of the file is kept exactly.
      String text = Files.readString(sshConfig, StandardCharsets.ISO_8859_1);
      String kept = text.lines().anyMatch(l -> l.equals(include)) ? without(text, include) : text;
      if (!kept.equals(text)) {
        writeAtomically(sshConfig, kept.getBytes(StandardCharsets.ISO_8859_1), null);
      }
    }
    boolean removed = Files.deleteIfExists(file);
    out.println(
        (removed ? "removed " + file : file + " was not there")
            + " and its Include line from "
            + sshConfig);
    return 0;
  }

  private static boolean hasLine(String text, String line) {
    return text.lines().anyMatch(l -> l.equals(line));
  }

  /** The text minus each line that is exactly {@code line} (with its line end). */
  private static String without(String text, String line) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      int nl = text.indexOf('\n', i);
      int end = nl < 0 ? text.length() : nl + 1;
      String l = text.substring(i, end);
      if (!l.replaceFirst("\r?\n$", "").equals(line)) {
        b.append(l);
      }
      i = end;
    }
    return b.toString();
  }

  /**
   * Replaces the file by rename, so a crash never leaves half a config; a symlinked config (a
   * dotfiles checkout) is written through to its target, and an existing file keeps its mode.
   */
  private static void writeAtomically(Path file, byte[] bytes, String newMode) throws IOException {
    Path target = Files.exists(file) ? file.toRealPath() : file;
    Path tmp = target.resolveSibling("." + target.getFileName() + ".banger-tmp");
    Files.write(tmp, bytes);
    Files.setPosixFilePermissions(
        tmp,
        Files.exists(target) && newMode == null
            ? Files.getPosixFilePermissions(target)
            : PosixFilePermissions.fromString(newMode == null ? "rw-------" : newMode));
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
