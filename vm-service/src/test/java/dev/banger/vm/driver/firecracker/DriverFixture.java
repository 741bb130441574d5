package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the driver's end-to-end tests share: {@link FirecrackerStubMain} as the {@code firecracker}
 * binary, the files a launch needs, the calls the stub recorded, and a check after each test that
 * no stub process is left.
 */
abstract class DriverFixture {

  static final String VM_ID = "3f1c2a9e-7b4d-4e21-9a0c-5d6e7f8a9b0c";

  @TempDir Path dir;
  Path run;
  Path calls;
  Path vmlinux;
  Path initrd;
  Path rootfs;
  Path work;
  RunningVm vm;

  @BeforeEach
  void files() throws IOException {
    run = dir.resolve("run");
    calls = dir.resolve("calls.jsonl");
    vmlinux = FakeKernels.vmlinux(dir.resolve("vmlinux"));
    initrd = Files.write(dir.resolve("initrd.img"), new byte[512]);
    rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[4096]);
    work = Files.write(dir.resolve("work.ext4"), new byte[4096]);
  }

  @AfterEach
  void nothingLeft() throws Exception {
    List<ProcessHandle> left = ours(dir);
    left.forEach(ProcessHandle::destroyForcibly);
    if (vm != null) {
      vm.awaitExit(Duration.ofSeconds(5));
    }
    if (!left.isEmpty()) {
      throw new AssertionError("the test left " + left.size() + " stub process(es) running");
    }
  }

  /** Processes whose command line names {@code root}: stubs launched for this test. */
  static List<ProcessHandle> ours(Path root) {
    return ProcessHandle.allProcesses()
        .filter(
            h ->
                h.info()
                    .arguments()
                    .map(a -> Arrays.stream(a).anyMatch(x -> x.contains(root.toString())))
                    .orElse(false))
        .toList();
  }

  /** The argv that starts the stub in place of {@code firecracker}. */
  List<String> stub(String... properties) {
    // the class path goes in an @argfile: with the whole test class path on its command line the
    // JDK reported no arguments for the stub (seen here), and adoption matches on the arguments
    Path argfile = dir.resolve("stub.args");
    try {
      Files.writeString(
          argfile, "-cp \"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<String> argv =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "@" + argfile,
                "-Dfcstub.record=" + calls));
    for (String p : properties) {
      argv.add("-D" + p);
    }
    argv.add(FirecrackerStubMain.class.getName());
    return argv;
  }

  FirecrackerDriver driver(String... properties) {
    return new FirecrackerDriver(
        new HostCommandRunner(), stub(properties), Duration.ofSeconds(20), Duration.ofSeconds(5));
  }

  LaunchSpec spec(Path kernel, int vcpus, Path root, boolean full) {
    return LaunchSpec.builder()
        .vmId(VM_ID)
        .vcpus(vcpus)
        .memoryMib(256)
        .kernel(kernel)
        .initrd(full ? Optional.of(initrd) : Optional.empty())
        .bootArgs("quiet banger.x=1")
        .rootDisk(root)
        .workDisk(full ? Optional.of(work) : Optional.empty())
        .tap(
            full
                ? Optional.of(new LaunchSpec.Nic("tb-3f1c2a9e", "02:fc:00:00:00:07"))
                : Optional.empty())
        .runDir(run)
        .build();
  }

  List<JsonNode> recorded() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(calls)) {
      out.add(FirecrackerApi.JSON.readTree(l));
    }
    return out;
  }

  List<String> recordedLines() throws IOException {
    return recorded().stream()
        .map(
            n ->
                n.get("method").asText()
                    + " "
                    + n.get("path").asText()
                    + " "
                    + n.get("status").asInt())
        .toList();
  }

  JsonNode body(String path) throws IOException {
    return recorded().stream()
        .filter(n -> n.get("path").asText().equals(path))
        .reduce((a, b) -> b)
        .orElseThrow()
        .get("body");
  }

  /** The launch must fail, and leave neither a process nor the API socket. */
  DriverException refused(FirecrackerDriver d, LaunchSpec spec) {
    DriverException e = assertThrows(DriverException.class, () -> vm = d.launch(spec));
    assertEquals(List.of(), ours(dir), "a refused launch left a process");
    assertFalse(
        Files.exists(FirecrackerSetup.apiSocket(spec)), "a refused launch left the API socket");
    return e;
  }
}
