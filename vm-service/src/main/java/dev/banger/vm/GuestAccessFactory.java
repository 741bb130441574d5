package dev.banger.vm;

import dev.banger.kit.process.CommandRunner;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ssh.GuestSsh;
import dev.banger.vm.ssh.KnownHosts;
import dev.banger.vm.ssh.OpenSshExec;
import dev.banger.vm.ssh.SshIdentity;
import dev.banger.vm.workspace.ChunkPipe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vm-service's way into guests: SSH as root on port 22 with the owner's key ({@code
 * <dir>/id_ed25519}) and banger's own {@code <dir>/known_hosts}, where each guest's host key is
 * pinned under its address and {@code <name>.vm}. MINA is the client, except for the bulk bytes of
 * a workspace copy, which go through the host's OpenSSH client when it has one ({@link
 * OpenSshExec}); the CLI uses the same two files with OpenSSH too.
 */
final class GuestAccessFactory {

  static final int PORT = 22;
  static final Duration POWEROFF_TIMEOUT = Duration.ofSeconds(15);
  private static final Logger LOG = LoggerFactory.getLogger(GuestAccessFactory.class);

  private GuestAccessFactory() {}

  static GuestAccess open(Path dir, CommandRunner commands) throws Exception {
    SshIdentity identity = SshIdentity.loadOrCreate(dir);
    KnownHosts known = new KnownHosts(dir.resolve("known_hosts"));
    Path ssh = OpenSshExec.locate();
    if (ssh != null) {
      LOG.info("workspace copies into running VMs go through the host's OpenSSH client, {}", ssh);
    } else {
      LOG.warn(
          "the host has no OpenSSH client (apt-get install openssh-client): workspace copies go through "
              + "vm-service's own SSH client, which costs the host about three times the CPU");
    }
    OpenSshExec bulk =
        ssh == null
            ? null
            : new OpenSshExec(commands, ssh, identity.privateKeyFile(), known.file());
    return new Ssh(identity, known, new GuestSsh(identity, known), bulk);
  }

  private record Ssh(SshIdentity identity, KnownHosts known, GuestSsh ssh, OpenSshExec bulk)
      implements GuestAccess, AutoCloseable {

    @Override
    public String authorizedKeysLine() {
      return identity.authorizedKeysLine();
    }

    @Override
    public void awaitReady(String ip, String name, Duration timeout, BooleanSupplier cancelled)
        throws Exception {
      GuestSsh.Readiness r = ssh.awaitReady(ip, PORT, name + ".vm", timeout, cancelled);
      LOG.info(
          "VM {} ({}) answered SSH after {} attempt(s) in {} ms",
          name,
          ip,
          r.attempts(),
          r.elapsed().toMillis());
    }

    @Override
    public void awaitReadyRunning(
        String ip,
        String name,
        Duration timeout,
        BooleanSupplier cancelled,
        String command,
        GuestSsh.Input input)
        throws Exception {
      GuestSsh.Readiness r =
          ssh.awaitReady(ip, PORT, name + ".vm", timeout, cancelled, command, input);
      LOG.info(
          "VM {} ({}) answered SSH and ran its first command after {} attempt(s) in {} ms",
          name,
          ip,
          r.attempts(),
          r.elapsed().toMillis());
    }

    @Override
    public boolean poweroff(String ip, String name) {
      try {
        ssh.poweroff(ip, PORT, name + ".vm", POWEROFF_TIMEOUT);
        return true;
      } catch (Exception e) {
        LOG.info("VM {}: poweroff over SSH not delivered: {}", name, e.getMessage());
        return false;
      }
    }

    @Override
    public int run(
        String ip,
        String name,
        String command,
        Duration timeout,
        GuestSsh.Input input,
        java.io.OutputStream out,
        java.io.OutputStream err,
        BooleanSupplier cancelled)
        throws Exception {
      return ssh.exec(ip, PORT, name + ".vm", command, timeout, input, out, err, cancelled);
    }

    @Override
    public int send(
        String ip,
        String name,
        String command,
        Duration timeout,
        GuestSsh.Input input,
        java.io.OutputStream err,
        BooleanSupplier cancelled)
        throws Exception {
      if (bulk != null) {
        return bulk.exec(
            ip,
            PORT,
            command,
            timeout,
            input,
            java.io.OutputStream.nullOutputStream(),
            err,
            cancelled);
      }
      // The input is produced on a thread of its own while this one encrypts and sends, the way
      // `tar c | ssh` is two processes (ChunkPipe).
      return ssh.exec(
          ip,
          PORT,
          name + ".vm",
          command,
          timeout,
          stdin -> ChunkPipe.run(input::writeTo, stdin),
          java.io.OutputStream.nullOutputStream(),
          err,
          cancelled);
    }

    @Override
    public dev.banger.vm.ports.GuestProcess start(
        String ip, String name, String script, boolean tty, int columns, int rows)
        throws Exception {
      return ssh.start(ip, PORT, name + ".vm", script, tty, columns, rows);
    }

    @Override
    public void forget(String ip, String name) throws Exception {
      known.remove(List.of(ip, name + ".vm"));
    }

    @Override
    public void close() {
      ssh.close();
    }
  }
}
