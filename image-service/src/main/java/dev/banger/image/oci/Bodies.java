package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/**
 * Reading response bodies with a ceiling. Manifests, tokens and error documents are small; a
 * registry that sends more is broken or hostile, and must not make us buffer it.
 */
final class Bodies {

  /** The distribution spec lets registries refuse manifests over 4 MiB; we read no more either. */
  static final int MAX_MANIFEST = 4 << 20;

  static final int MAX_SMALL = 1 << 20;
  private static final int MAX_ERROR = 16 << 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Bodies() {}

  /**
   * Reads the whole body, refusing one longer than {@code max}.
   *
   * @throws IOException on read errors, or (as {@link TooLarge}) when the body exceeds max
   */
  static byte[] read(HttpResponse<InputStream> r, int max) throws IOException {
    try (InputStream in = r.body()) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new TooLarge(max);
      }
      return b;
    }
  }

  /** Closes a body we do not want; the JDK client then drops or reuses the connection. */
  static void discard(HttpResponse<InputStream> r) {
    try {
      r.body().close();
    } catch (IOException e) {
      // Nothing to keep from a body we are throwing away.
    }
  }

  /**
   * The first {@code code: message} of a distribution error document, quoted for safety; empty when
   * the body is not one. Consumes the body.
   */
  static String registryError(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      JsonNode root = JSON.readTree(in.readNBytes(MAX_ERROR));
      JsonNode first = root == null ? null : root.path("errors").path(0);
      if (first == null || first.isMissingNode()) {
        return "";
      }
      String code = first.path("code").asText("");
      String message = first.path("message").asText("");
      String text = message.isEmpty() ? code : code + ": " + message;
      return Texts.quote(text);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** A body longer than we accept. */
  static final class TooLarge extends IOException {
    TooLarge(int max) {
      super("the response is larger than " + max + " bytes");
    }
  }
}
