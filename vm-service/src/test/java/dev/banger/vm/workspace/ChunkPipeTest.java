package dev.banger.vm.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tar thread's bytes arrive whole and in order; a failure on either side ends both. */
class ChunkPipeTest {

  @Test
  void everyByteArrivesInOrderWhateverTheWriteSizes() throws Exception {
    byte[] data = new byte[5 * ChunkPipe.CHUNK + 12345];
    new Random(7).nextBytes(data);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    ChunkPipe.run(
        out -> {
          Random sizes = new Random(3);
          int i = 0;
          while (i < data.length) {
            int n = Math.min(data.length - i, sizes.nextInt(100_000));
            if (n == 1) {
              out.write(data[i]);
            } else {
              out.write(data, i, n);
            }
            i += n;
          }
        },
        sink);
    assertArrayEquals(data, sink.toByteArray());
  }

  @Test
  void aProducerFailureIsRethrownHere() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChunkPipe.run(
                    out -> {
                      out.write(new byte[ChunkPipe.CHUNK * 3]);
                      throw new IOException("file shrank");
                    },
                    OutputStream.nullOutputStream()));
    assertEquals("file shrank", e.getMessage());
  }

  @Test
  void aSinkFailureStopsTheProducer() {
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("channel closed");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("channel closed");
          }
        };
    // The producer would write forever; the sink's failure must end the run anyway.
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChunkPipe.run(
                    out -> {
                      byte[] b = new byte[65536];
                      while (true) {
                        out.write(b);
                      }
                    },
                    broken));
    assertEquals("channel closed", e.getMessage());
  }
}
