package dev.banger.image.build;

import dev.banger.ext4.FileType;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.oci.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a VM of an image runs when it is started without a command (docs/guest-kit.md): the image's
 * ENTRYPOINT and CMD, with its Env and WorkingDir, as the uid and gid its User names. Resolved at
 * pull time against the image's own files, so a program or user the image lacks is named before any
 * VM boots.
 *
 * @param argv empty when the image names no command
 * @param problem empty when the command can run; else why not, as one sentence
 */
public record ImageCommand(
    List<String> argv,
    List<String> env,
    String workingDir,
    String user,
    long uid,
    long gid,
    String problem) {

  /** No command: an image built by banger, or one whose config names none. */
  public static final ImageCommand NONE = new ImageCommand(List.of(), List.of(), "/", "", 0, 0, "");

  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final long MAX_DB_BYTES = 1 << 20;

  public ImageCommand {
    argv = List.copyOf(argv);
    env = List.copyOf(env);
  }

  public boolean runnable() {
    return !argv.isEmpty() && problem.isEmpty();
  }

  /**
   * @param tree the staged tree (its {@code etc/passwd} and {@code etc/group} are read)
   * @param entries what the layers said about every path in it
   */
  public static ImageCommand resolve(RunConfig run, Path tree, Map<String, EntryMeta> entries) {
    List<String> argv = run.argv();
    String dir = run.workingDir().isEmpty() ? "/" : run.workingDir();
    if (argv.isEmpty()) {
      return new ImageCommand(List.of(), run.env(), dir, run.user(), 0, 0, "");
    }
    String problem = "";
    long uid = 0;
    long gid = 0;
    String user = run.user();
    if (!user.isEmpty()) {
      String[] ug = user.split(":", 2);
      Optional<long[]> u = lookup(tree.resolve("etc/passwd"), ug[0]);
      if (u.isPresent()) {
        uid = u.get()[0];
        gid = u.get()[1];
      } else if (ug[0].matches("[0-9]{1,9}")) {
        uid = Long.parseLong(ug[0]);
      } else {
        problem = "its User \"" + ug[0] + "\" is not in the image's /etc/passwd";
      }
      if (ug.length == 2 && problem.isEmpty()) {
        Optional<long[]> g = lookup(tree.resolve("etc/group"), ug[1]);
        if (g.isPresent()) {
          gid = g.get()[0];
        } else if (ug[1].matches("[0-9]{1,9}")) {
          gid = Long.parseLong(ug[1]);
        } else {
          problem = "its User's group \"" + ug[1] + "\" is not in the image's /etc/group";
        }
      }
    }
    if (problem.isEmpty() && !found(argv.getFirst(), run.env(), entries)) {
      problem =
          "its command's program \""
              + argv.getFirst()
              + "\" is not in the image"
              + (argv.getFirst().contains("/") ? "" : " (looked in PATH=" + path(run.env()) + ")");
    }
    return new ImageCommand(argv, run.env(), dir, user, uid, gid, problem);
  }

  private static String path(List<String> env) {
    for (String e : env) {
      if (e.startsWith("PATH=")) {
        return e.substring(5);
      }
    }
    return DEFAULT_PATH;
  }

  /** A file or link at the program's path, or in a PATH directory (merged /usr counted). */
  static boolean found(String program, List<String> env, Map<String, EntryMeta> entries) {
    if (program.contains("/")) {
      return exists(program, entries);
    }
    for (String d : path(env).split(":")) {
      if (!d.isEmpty() && exists(d + "/" + program, entries)) {
        return true;
      }
    }
    return false;
  }

  private static boolean exists(String absolute, Map<String, EntryMeta> entries) {
    String p = Path.of("/").resolve(absolute).normalize().toString().substring(1);
    for (String c : List.of(p, "usr/" + p)) {
      EntryMeta m = entries.get(c);
      if (m != null && (m.type() == FileType.REGULAR || m.type() == FileType.SYMLINK)) {
        return true;
      }
    }
    return false;
  }

  /** {@code name} (or a numeric id) in a passwd or group file: {uid or gid, gid}. */
  static Optional<long[]> lookup(Path db, String name) {
    try {
      if (!Files.isRegularFile(db, LinkOption.NOFOLLOW_LINKS) || Files.size(db) > MAX_DB_BYTES) {
        return Optional.empty();
      }
      for (String line : Files.readAllLines(db, StandardCharsets.UTF_8)) {
        String[] f = line.split(":", -1);
        if (f.length < 3 || !f[2].matches("[0-9]{1,9}")) {
          continue;
        }
        if (f[0].equals(name) || f[2].equals(name)) {
          long id = Long.parseLong(f[2]);
          long group = f.length > 3 && f[3].matches("[0-9]{1,9}") ? Long.parseLong(f[3]) : id;
          return Optional.of(new long[] {id, group});
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
