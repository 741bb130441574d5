package dev.banger.vm.ssh;

import dev.banger.vm.ports.GuestProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A guest program on an SSH exec channel of its own session. Its output streams are MINA's piped
 * ones: the channel's window is given back only as they are read, so a caller that stops reading
 * stops the guest's sshd from sending (at most one window, 2 MiB, is held per stream).
 */
public final class SshProcess implements GuestProcess {

  private final ClientSession session;
  private final ChannelExec channel;

  SshProcess(ClientSession session, ChannelExec channel) {
    this.session = session;
    this.channel = channel;
  }

  @Override
  public OutputStream stdin() {
    return channel.getInvertedIn();
  }

  @Override
  public InputStream stdout() {
    return channel.getInvertedOut();
  }

  @Override
  public InputStream stderr() {
    return channel.getInvertedErr();
  }

  @Override
  public void resize(int columns, int rows) throws IOException {
    if (channel.isUsePty()) {
      channel.sendWindowChange(columns, rows);
    }
  }

  @Override
  public Optional<Ended> await(Duration wait) {
    Set<ClientChannelEvent> e =
        channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), wait.toMillis());
    if (!e.contains(ClientChannelEvent.CLOSED)) {
      return Optional.empty();
    }
    return Optional.of(new Ended(channel.getExitStatus(), channel.getExitSignal()));
  }

  @Override
  public void close() {
    channel.close(true);
    session.close(true);
  }
}
