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

  @TempDir Path tree;
  private final Map<String, EntryMeta> entries = new TreeMap<>();

  @BeforeEach
  void files() throws Exception {
    Files.createDirectories(tree.resolve("etc"));
    Files.writeString(
        tree.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\nbad line\n");
    Files.writeString(tree.resolve("etc/group"), "root:x:0:\nstaff:x:50:node\n");
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
    assertEquals(
        "its User \"root\" is not in the image's /etc/passwd",
        resolve(List.of(), List.of("node"), List.of(), "root").problem(),
        "a link is never followed out of the image");
  }
}
