package dev.banger.vm.app.start;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The re-identify command run by a real shell (dash, Debian's /bin/sh) on its real stdin: date,
 * hostname and perl are stand-ins that record their arguments, and /etc/hostname and /dev/urandom
 * are redirected to files, so the host is not touched. Proves the name and the time are read from
 * stdin, in the form those tools take, and the random bytes land whole after them.
 *
 * <p>The shell's PATH holds only the stand-ins and {@code head}: nothing else can answer to {@code
 * date} or {@code hostname}. busybox's shell is not used here: it runs its own date and hostname
 * applets whatever PATH says, and they would set the host's clock and name.
 */
class CloneIdentityTest {

  @TempDir Path dir;

  @Test
  void theCommandReadsItsInputAsARealShellDoes() throws Exception {
    Path sh = Path.of("/usr/bin/dash");
    if (!Files.isExecutable(sh)) {
      sh = Path.of("/bin/dash");
    }
    assumeTrue(Files.isExecutable(sh), "SKIPPED LOUDLY: no dash on this host");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path head =
        Files.isExecutable(Path.of("/usr/bin/head"))
            ? Path.of("/usr/bin/head")
            : Path.of("/bin/head");
    Files.createSymbolicLink(bin.resolve("head"), head);
    for (String tool : List.of("date", "hostname", "perl")) {
      Path stub = bin.resolve(tool);
      Files.writeString(
          stub, "#!" + sh + "\nprintf '%s\\n' \"$*\" > " + dir.resolve(tool + ".args") + "\n");
      Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    String command =
        CloneIdentity.COMMAND
            .replace("/etc/hostname", dir.resolve("hostname").toString())
            .replace(">/dev/urandom", ">" + dir.resolve("urandom"));
    ProcessBuilder pb = new ProcessBuilder(sh.toString(), "-c", command);
    pb.environment().put("PATH", bin.toString());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    byte[] input =
        CloneIdentity.input("clone-a", Instant.ofEpochSecond(1_700_000_000, 600_000_000));
    p.getOutputStream().write(input);
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(30, TimeUnit.SECONDS);
    assertEquals(0, p.exitValue(), out);
    assertEquals("-s @1700000001\n", Files.readString(dir.resolve("date.args")), "whole seconds");
    assertEquals("clone-a\n", Files.readString(dir.resolve("hostname.args")));
    assertEquals("clone-a\n", Files.readString(dir.resolve("hostname")));
    assertArrayEquals(
        Arrays.copyOfRange(input, input.length - CloneIdentity.RANDOM_BYTES, input.length),
        Files.readAllBytes(dir.resolve("urandom")),
        "the random bytes, whole, after the two lines");
    assertEquals(
        "-e open(my $f, \"<\", \"/dev/urandom\") or die $!; ioctl($f, 0x5207, 0) or die \"reseed: $!\\n\"\n",
        Files.readString(dir.resolve("perl.args")),
        "the reseed asked for");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bad", "a;b", "-x", "a b"})
  void onlyVmNamesAreSent(String name) {
    assertThrows(IllegalArgumentException.class, () -> CloneIdentity.input(name, Instant.EPOCH));
  }
}
