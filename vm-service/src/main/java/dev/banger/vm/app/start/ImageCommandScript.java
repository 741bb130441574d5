package dev.banger.vm.app.start;

import dev.banger.vm.app.exec.GuestScript;
import dev.banger.vm.ports.KitBoot;

/**
 * The POSIX sh script the guest kit's PID 1 runs at every boot for an image's own command ({@code
 * /etc/banger/command}, written with the other guest files; docs/guest-kit.md). Every value is the
 * image's and single-quoted: the kit's shell passes it on as it is, never expanding or splitting
 * it. Only the kit's tools run before the program: {@code env -i} gives it exactly the image's
 * environment and {@code nsenter -S -G} its user (no supplementary groups), so the image needs
 * neither a shell nor {@code su}; the program itself is found on the image's own PATH, as a
 * container runtime finds it.
 */
public final class ImageCommandScript {

  /** Where the kit's PID 1 looks for it. */
  public static final String COMMAND_PATH = "/etc/banger/command";

  /** The image's Env for commands run over SSH (read by every exec: {@link GuestScript}). */
  public static final String ENV_PATH = GuestScript.IMAGE_ENV;

  private ImageCommandScript() {}

  /**
   * The files a kit VM's rootfs gets before each boot: the image's Env for exec, and its command
   * when it has one that can run.
   */
  public static java.util.Map<String, String> files(KitBoot kit) {
    java.util.Map<String, String> files = new java.util.TreeMap<>();
    files.put(ENV_PATH, env(kit.env()));
    kit.command().ifPresent(c -> files.put(COMMAND_PATH, render(c)));
    return files;
  }

  /**
   * {@code export 'NAME=value'} per entry, for sh's {@code .}; an entry whose name is not a shell
   * name is left out (sh could not export it anyway).
   */
  static String env(java.util.List<String> env) {
    StringBuilder s = new StringBuilder("# banger: the image's Env, for commands run over SSH\n");
    for (String e : env) {
      if (shellName(e)) {
        s.append("export ").append(GuestScript.quote(e)).append('\n');
      }
    }
    return s.toString();
  }

  /** {@code NAME=value} with a name sh could export. */
  private static boolean shellName(String entry) {
    int eq = entry.indexOf('=');
    return eq > 0 && entry.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*");
  }

  public static String render(KitBoot.Command c) {
    StringBuilder s = new StringBuilder();
    s.append("# banger: the image's ENTRYPOINT and CMD, run by the guest kit's PID 1\n");
    s.append("cd -- ").append(GuestScript.quote(c.workingDir())).append(" || exit 126\n");
    s.append("exec /.banger/bin/env -i");
    boolean home = false;
    for (String e : c.env()) {
      // env would run an entry with no '=' as the program, and read one with a '-' as an option.
      if (shellName(e)) {
        home |= e.startsWith("HOME=");
        s.append(' ').append(GuestScript.quote(e));
      }
    }
    if (!home) {
      s.append(' ').append(GuestScript.quote("HOME=" + (c.uid() == 0 ? "/root" : "/")));
    }
    s.append(" /.banger/bin/nsenter -S ").append(c.uid()).append(" -G ").append(c.gid());
    // By the path resolved at pull time: busybox's nsenter runs its own applet for a bare name
    // (httpd, sh, wget...) before it looks at PATH.
    s.append(" -- ").append(GuestScript.quote(c.program()));
    for (String a : c.argv().subList(1, c.argv().size())) {
      s.append(' ').append(GuestScript.quote(a));
    }
    return s.append('\n').toString();
  }
}
