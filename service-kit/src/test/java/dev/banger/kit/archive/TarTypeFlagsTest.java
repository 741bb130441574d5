package dev.banger.kit.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Only the three regular-file flags are regular; every other ustar/GNU/pax flag is not. */
class TarTypeFlagsTest {

  @Test
  void onlyRegularFileFlagsAreRegular() {
    for (char c : List.of('0', '\0', '7')) {
      assertEquals(true, TarTypeFlags.regular((byte) c), "flag " + (int) c);
    }
    // hard link, symlink, char/block device, directory, FIFO, GNU long name/link, pax headers
    for (char c : List.of('1', '2', '3', '4', '5', '6', 'L', 'K', 'x', 'g', 'S')) {
      assertEquals(false, TarTypeFlags.regular((byte) c), "flag " + c);
    }
  }
}
