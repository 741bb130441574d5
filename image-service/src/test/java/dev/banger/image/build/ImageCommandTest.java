package dev.banger.image.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.ext4.FileType;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.oci.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image's ENTRYPOINT/CMD and User, resolved against its own files at pull time. */
class ImageCommandTest {

  @TempDir Path root;
  private Path tree;
  private final Map<String, EntryMeta> entries = new TreeMap<>();

  @BeforeEach
  void files() throws Exception {
    tree = root.resolve("tree");
    Files.createDirectories(tree.resolve("etc"));
    Files.writeString(
        tree.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\nbad line\n");
    Files.writeString(tree.resolve("etc/group"), "root:x:0:\nstaff:x:50:node\n");
    entries.put("etc", new EntryMeta(FileType.DIRECTORY, 0, 0, 0755, 0, 0, 0));
    entries.put("etc/passwd", new EntryMeta(FileType.REGULAR, 0, 0, 0644, 0, 0, 0));
    entries.put("etc/group", new EntryMeta(FileType.REGULAR, 0, 0, 0644, 0, 0, 0));
    file("app/server");
    file("usr/local/bin/node");
    file("usr/bin/python3");
    entries.put("usr/bin/py", new EntryMeta(FileType.SYMLINK, 0, 0, 0777, 0, 0, 0));
    entries.put("usr/bin/dir", new EntryMeta(FileType.DIRECTORY, 0, 0, 0755, 0, 0, 0));
  }

  private void file(String p) {
    entries.put(p, new EntryMeta(FileType.REGULAR, 0, 0, 0755, 0, 0, 0));
  }

  private ImageCommand resolve(
      List<String> entrypoint, List<String> cmd, List<String> env, String user) {
    return ImageCommand.resolve(new RunConfig(entrypoint, cmd, env, "", user), tree, entries);
  }

  @Test
  void theProgramIsRunByTheAbsolutePathItResolvedTo() {
    assertEquals(
        "/usr/local/bin/node",
        resolve(List.of(), List.of("node"), List.of("PATH=/usr/bin:/usr/local/bin"), "").program());
    assertEquals(
        "/bin/python3", resolve(List.of(), List.of("/bin/python3"), List.of(), "").program());
    ImageCommand relative =
        ImageCommand.resolve(
            new RunConfig(List.of("./server"), List.of("-v"), List.of(), "/app", ""),
            tree,
            entries);
    assertTrue(relative.runnable(), relative.problem());
    assertEquals("/app/server", relative.program(), "against WorkingDir, as the runtime does");
    ImageCommand noPath = resolve(List.of(), List.of("node"), List.of("A=b"), "");
    assertEquals(
        List.of("A=b", "PATH=" + ImageCommand.DEFAULT_PATH),
        noPath.env(),
        "an image without PATH runs with Docker's default, as the check looked there");
    assertEquals("", resolve(List.of(), List.of("nope"), List.of(), "").program());
  }

  @Test
  void anEtcThatLinksOutOfTheImageIsNeverRead() throws Exception {
    Path outside = Files.createDirectories(root.resolve("host-etc"));
    Files.writeString(outside.resolve("passwd"), "hostuser:x:4242:4242::/:/bin/sh\n");
    Path etc = tree.resolve("etc");
    Files.delete(etc.resolve("passwd"));
    Files.delete(etc.resolve("group"));
    Files.delete(etc);
    Files.createSymbolicLink(etc, outside);
    entries.put("etc", new EntryMeta(FileType.SYMLINK, 0, 0, 0777, 0, 0, 0));
    assertEquals(
        "its User \"hostuser\" is not in the image's /etc/passwd",
        resolve(List.of(), List.of("node"), List.of(), "hostuser").problem());
    // Even where the layers' record says a directory, the real path must stay in the tree.
    entries.put("etc", new EntryMeta(FileType.DIRECTORY, 0, 0, 0755, 0, 0, 0));
    assertEquals(
        "its User \"hostuser\" is not in the image's /etc/passwd",
        resolve(List.of(), List.of("node"), List.of(), "hostuser").problem());
  }

  @Test
  void whatTheImageWroteIsPrintableInTheProblem() {
    String p = resolve(List.of(), List.of("x\u001b[31m\nfake"), List.of(), "").problem();
    assertFalse(p.contains("\u001b") || p.contains("\n"), p);
    String u = resolve(List.of(), List.of("node"), List.of(), "ev\u001bil").problem();
    assertFalse(u.contains("\u001b"), u);
  }

  @Test
  void theProgramIsFoundOnTheImagesPathOrTheDefaultOne() {
    ImageCommand c = resolve(List.of(), List.of("node"), List.of("PATH=/usr/local/bin"), "");
    assertTrue(c.runnable(), c.problem());
    assertEquals(List.of("node"), c.argv());
    assertEquals("/", c.workingDir());
    assertTrue(resolve(List.of("python3", "-m"), List.of("http.server"), List.of(), "").runnable());
    assertTrue(
        resolve(List.of(), List.of("/bin/python3"), List.of(), "").runnable(), "merged /usr");
    assertTrue(resolve(List.of(), List.of("py"), List.of(), "").runnable(), "a link counts");
    ImageCommand dir = resolve(List.of(), List.of("dir"), List.of(), "");
    assertEquals(
        "its command's program \"dir\" is not in the image (looked in PATH="
            + ImageCommand.DEFAULT_PATH
            + ")",
        dir.problem());
    assertEquals(
        "its command's program \"node\" is not in the image (looked in PATH=/usr/bin)",
        resolve(List.of(), List.of("node"), List.of("PATH=/usr/bin"), "").problem());
    assertEquals(
        "its command's program \"/usr/sbin/nginx\" is not in the image",
        resolve(List.of("/usr/sbin/nginx"), List.of(), List.of(), "").problem());
    assertEquals(
        "its command's program \"../../etc/x\" is not in the image",
        resolve(List.of("../../etc/x"), List.of(), List.of(), "").problem());
  }

  @Test
  void theUserIsANameOrIdsOfTheImage() {
    ImageCommand node = resolve(List.of(), List.of("node"), List.of(), "node");
    assertEquals(1000, node.uid());
    assertEquals(1001, node.gid(), "the passwd entry's group");
    ImageCommand staff = resolve(List.of(), List.of("node"), List.of(), "node:staff");
    assertEquals(50, staff.gid());
    ImageCommand numeric = resolve(List.of(), List.of("node"), List.of(), "4242:4343");
    assertEquals(4242, numeric.uid());
    assertEquals(4343, numeric.gid());
    assertTrue(numeric.runnable());
    assertEquals(0, resolve(List.of(), List.of("node"), List.of(), "").uid());

    assertEquals(
        "its User \"nobody\" is not in the image's /etc/passwd",
        resolve(List.of(), List.of("node"), List.of(), "nobody").problem());
    assertEquals(
        "its User's group \"wheel\" is not in the image's /etc/group",
        resolve(List.of(), List.of("node"), List.of(), "node:wheel").problem());
  }

  @Test
  void noCommandIsNoProblemAndPasswdMayBeMissingOrALink() throws Exception {
    ImageCommand none = resolve(List.of(), List.of(), List.of(), "ghost");
    assertFalse(none.runnable());
    assertEquals("", none.problem());
    Files.delete(tree.resolve("etc/passwd"));
    Files.createSymbolicLink(tree.resolve("etc/passwd"), Path.of("/etc/passwd"));
    entries.put("etc/passwd", new EntryMeta(FileType.SYMLINK, 0, 0, 0777, 0, 0, 0));
    assertEquals(
        "its User \"root\" is not in the image's /etc/passwd",
        resolve(List.of(), List.of("node"), List.of(), "root").problem(),
        "a link is never followed out of the image");
  }
}
