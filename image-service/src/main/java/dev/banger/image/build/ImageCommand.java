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
 * @param program the absolute path the first word resolved to in the image (on its PATH, or against
 *     WorkingDir), empty when it did not: run by that path, so nothing else of that name (the kit's
 *     busybox applets among them) can stand in for it
 * @param env the image's Env, with Docker's default PATH added when it sets none
 * @param problem empty when the command can run; else why not, as one printable sentence
 */
public record ImageCommand(
    List<String> argv,
    String program,
    List<String> env,
    String workingDir,
    String user,
    long uid,
    long gid,
    String problem) {

  /** No command: an image built by banger, or one whose config names none. */
  public static final ImageCommand NONE =
      new ImageCommand(List.of(), "", List.of(), "/", "", 0, 0, "");

  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final long MAX_DB_BYTES = 1 << 20;

  public ImageCommand {
    // Null-safe: a row written before a field existed reads back without it.
    argv = argv == null ? List.of() : List.copyOf(argv);
    env = env == null ? List.of() : List.copyOf(env);
    program = program == null ? "" : program;
    workingDir = workingDir == null ? "/" : workingDir;
    user = user == null ? "" : user;
    problem = problem == null ? "" : problem;
  }

  public boolean runnable() {
    return !argv.isEmpty() && problem.isEmpty() && !program.isEmpty();
  }

  /**
   * @param tree the staged tree (its {@code etc/passwd} and {@code etc/group} are read)
   * @param entries what the layers said about every path in it
   */
  public static ImageCommand resolve(RunConfig run, Path tree, Map<String, EntryMeta> entries) {
    List<String> argv = run.argv();
    String dir = run.workingDir().isEmpty() ? "/" : run.workingDir();
    List<String> env = new java.util.ArrayList<>(run.env());
    if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
      env.add("PATH=" + DEFAULT_PATH);
    }
    if (argv.isEmpty()) {
      return new ImageCommand(List.of(), "", env, dir, run.user(), 0, 0, "");
    }
    String problem = "";
    long uid = 0;
    long gid = 0;
    String user = run.user();
    if (!user.isEmpty()) {
      String[] ug = user.split(":", 2);
      Optional<long[]> u = lookup(tree, "etc/passwd", ug[0], entries);
      if (u.isPresent()) {
        uid = u.get()[0];
        gid = u.get()[1];
      } else if (ug[0].matches("[0-9]{1,9}")) {
        uid = Long.parseLong(ug[0]);
      } else {
        problem = "its User " + quoted(ug[0]) + " is not in the image's /etc/passwd";
      }
      if (ug.length == 2 && problem.isEmpty()) {
        Optional<long[]> g = lookup(tree, "etc/group", ug[1], entries);
        if (g.isPresent()) {
          gid = g.get()[0];
        } else if (ug[1].matches("[0-9]{1,9}")) {
          gid = Long.parseLong(ug[1]);
        } else {
          problem = "its User's group " + quoted(ug[1]) + " is not in the image's /etc/group";
        }
      }
    }
    String program = "";
    if (problem.isEmpty()) {
      program = find(argv.getFirst(), dir, env, entries).orElse("");
      if (program.isEmpty()) {
        problem =
            "its command's program "
                + quoted(argv.getFirst())
                + " is not in the image"
                + (argv.getFirst().contains("/")
                    ? ""
                    : " (looked in PATH="
                        + dev.banger.kit.text.Printable.bare(path(env), 512)
                        + ")");
      }
    }
    return new ImageCommand(argv, program, env, dir, user, uid, gid, problem);
  }

  /** For messages a terminal prints: control characters escaped, long values cut. */
  private static String quoted(String s) {
    return dev.banger.kit.text.Printable.quoted(s, 200);
  }

  private static String path(List<String> env) {
    for (String e : env) {
      if (e.startsWith("PATH=")) {
        return e.substring(5);
      }
    }
    return DEFAULT_PATH;
  }

  /**
   * The absolute path of a file or link the program names in the image: itself when absolute,
   * against WorkingDir when relative with a {@code /}, else the first PATH directory holding it
   * (merged /usr counted). The path is kept as the image would resolve it at run time.
   */
  static Optional<String> find(
      String program, String workingDir, List<String> env, Map<String, EntryMeta> entries) {
    if (program.contains("/")) {
      String abs = Path.of("/").resolve(workingDir).resolve(program).normalize().toString();
      return exists(abs, entries) ? Optional.of(abs) : Optional.empty();
    }
    for (String d : path(env).split(":")) {
      if (d.startsWith("/") && exists(d + "/" + program, entries)) {
        return Optional.of(Path.of(d).resolve(program).normalize().toString());
      }
    }
    return Optional.empty();
  }

  static boolean found(String program, List<String> env, Map<String, EntryMeta> entries) {
    return find(program, "/", env, entries).isPresent();
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

  /**
   * {@code name} (or a numeric id) in the image's passwd or group file: {uid or gid, gid}. Only a
   * file the layers left as a regular file at exactly that path, read only if it still resolves
   * inside the staged tree: a link anywhere on the way (an {@code etc} that points out of the
   * image) is never followed on the host.
   */
  static Optional<long[]> lookup(
      Path tree, String relative, String name, Map<String, EntryMeta> entries) {
    EntryMeta dir = entries.get("etc");
    EntryMeta file = entries.get(relative);
    if (dir == null
        || dir.type() != FileType.DIRECTORY
        || file == null
        || file.type() != FileType.REGULAR) {
      return Optional.empty();
    }
    Path db = tree.resolve(relative);
    try {
      if (!db.toRealPath().startsWith(tree.toRealPath())
          || !Files.isRegularFile(db, LinkOption.NOFOLLOW_LINKS)
          || Files.size(db) > MAX_DB_BYTES) {
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
