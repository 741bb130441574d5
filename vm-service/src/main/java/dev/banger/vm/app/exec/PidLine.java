package dev.banger.vm.app.exec;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the first line {@link GuestScript} writes: the program's pid. Byte by byte, so nothing the
 * program itself writes after it is consumed.
 */
final class PidLine {

  private static final int MAX = 24;

  private PidLine() {}

  /**
   * @return the pid
   * @throws IOException when the stream ends or holds something else first (not a banger script)
   */
  static long read(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the guest closed the command before it started");
      }
      if (b == '\n') {
        break;
      }
      if (b != '\r') { // a terminal turns \n into \r\n
        line.append((char) b);
      }
      if (line.length() > MAX) {
        throw new IOException("the guest's shell did not start banger's script");
      }
    }
    try {
      return Long.parseLong(line.toString().strip());
    } catch (NumberFormatException e) {
      throw new IOException("the guest's shell did not start banger's script: " + line);
    }
  }
}
