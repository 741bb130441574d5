package dev.banger.vm;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.GetVmLogsRequest;
import dev.banger.api.vm.v1.GetVmLogsResponse;
import dev.banger.api.vm.v1.GetVmStatsResponse;
import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import dev.banger.vm.app.VmLifecycle;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Logs (the serial console), stats (VMM process and disks) and Set: reading and tuning a VM. */
final class VmInspect {

  /**
   * A console chunk per message; a follow polls the file this often (the console is a plain file).
   */
  static final int CHUNK = 64 * 1024;

  static final long FOLLOW_POLL_MS = 200;

  /**
   * Linux's USER_HZ, the unit of utime/stime in /proc/<pid>/stat on every architecture banger runs
   * on.
   */
  static final double CLOCK_TICKS = 100.0;

  private final VmStore store;
  private final VmLifecycle lifecycle;
  private final VmRuntime runtime;
  private final KeyedLocks locks;
  private final CommandRunner commands;

  VmInspect(
      VmStore store,
      VmLifecycle lifecycle,
      VmRuntime runtime,
      KeyedLocks locks,
      CommandRunner commands) {
    this.commands = commands;
    this.store = store;
    this.lifecycle = lifecycle;
    this.runtime = runtime;
    this.locks = locks;
  }

  void logs(GetVmLogsRequest req, StreamObserver<GetVmLogsResponse> obs) throws Exception {
    VmRecord v = lifecycle.find(req.getVm());
    Path log = runtime.paths().runDir(v.id()).resolve("console.log");
    ServerCallStreamObserver<GetVmLogsResponse> call =
        (ServerCallStreamObserver<GetVmLogsResponse>) obs;
    long pos = 0;
    if (Files.exists(log) && req.getTailLines() > 0) {
      pos = tailOffset(log, req.getTailLines());
    }
    byte[] buf = new byte[CHUNK];
    while (!call.isCancelled()) {
      if (Files.exists(log)) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
          if (f.length() < pos) {
            pos = 0; // a new boot truncated the console
          }
          f.seek(pos);
          int n;
          while ((n = f.read(buf)) > 0) {
            obs.onNext(
                GetVmLogsResponse.newBuilder().setData(ByteString.copyFrom(buf, 0, n)).build());
            pos += n;
          }
        }
      }
      if (!req.getFollow()) {
        break;
      }
      Thread.sleep(FOLLOW_POLL_MS);
    }
    if (!call.isCancelled()) {
      obs.onCompleted();
    }
  }

  /** Offset of the start of the last {@code lines} lines, read backwards in chunks. */
  static long tailOffset(Path file, int lines) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long end = f.length();
      long pos = end;
      int seen = 0;
      byte[] buf = new byte[8192];
      // A trailing newline ends the last line rather than starting an empty one.
      boolean skipFirst = end > 0 && readByte(f, end - 1) == '\n';
      while (pos > 0) {
        int n = (int) Math.min(buf.length, pos);
        pos -= n;
        f.seek(pos);
        f.readFully(buf, 0, n);
        for (int i = n - 1; i >= 0; i--) {
          if (buf[i] == '\n') {
            if (skipFirst && pos + i == end - 1) {
              continue;
            }
            if (++seen == lines) {
              return pos + i + 1;
            }
          }
        }
      }
      return 0;
    }
  }

  private static int readByte(RandomAccessFile f, long at) throws IOException {
    f.seek(at);
    return f.read();
  }

  GetVmStatsResponse stats(VmRecord v) throws IOException {
    GetVmStatsResponse.Builder b =
        GetVmStatsResponse.newBuilder().setSampleTime(VmGrpcService.ts(Instant.now()));
    var entry = runtime.get(v.id());
    if (entry.isPresent() && entry.get().vmm().alive()) {
      long pid = entry.get().vmm().pid();
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      b.setCpuSeconds((Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS);
      for (String line :
          Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          b.setMemoryRssBytes(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    }
    b.setWorkDiskUsedBytes(allocated(runtime.paths().vmDir(v.id()).resolve("work.ext4")));
    b.setOverlayUsedBytes(allocated(runtime.paths().vmDir(v.id()).resolve("rootfs.ext4")));
    return b.build();
  }

  /**
   * Bytes a sparse file really occupies (st_blocks × block unit; the JDK does not expose
   * st_blocks).
   */
  private long allocated(Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    try {
      String[] out =
          commands
              .check(Command.of("stat", "-c", "%b %B", "--", p.toString()).build())
              .stdoutText()
              .strip()
              .split(" ");
      return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    } catch (CommandFailedException | RuntimeException e) {
      return Files.size(p);
    }
  }

  VmRecord set(SetVmRequest req) throws Exception {
    VmRecord vm = lifecycle.find(req.getVm());
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = lifecycle.find(vm.id());
          if (!v.state().atRest() && v.state() != VmState.ERROR) {
            throw VmProblems.wrongState(
                v.name(), v.state().column(), "stop it before changing its spec");
          }
          if (req.getWorkDiskBytes() != 0 && req.getWorkDiskBytes() != v.workDiskBytes()) {
            throw Errors.of(
                Status.UNIMPLEMENTED.withDescription(
                    "growing the work disk of an existing VM is not built"
                        + " yet (it needs a disk-service GrowWorkDisk call; issue #6 follow-up)"),
                "NOT_YET_IMPLEMENTED",
                Map.of("field", "work_disk_bytes"));
          }
          int vcpu = req.getVcpu() == 0 ? v.vcpu() : req.getVcpu();
          int mem = req.getMemoryMib() == 0 ? v.memoryMib() : req.getMemoryMib();
          try {
            VmConfig.checkSpec("", vcpu, mem, v.workDiskBytes(), v.systemOverlayBytes());
          } catch (IllegalArgumentException e) {
            throw Errors.invalidArgument("spec", e.getMessage());
          }
          store.setSpec(v.id(), vcpu, mem, v.workDiskBytes());
          return lifecycle.find(v.id());
        });
  }
}
