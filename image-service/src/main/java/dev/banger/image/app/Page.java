package dev.banger.image.app;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a listing sorted by name: its rows, and the token of the next page ("" after the
 * last).
 */
public record Page<R>(List<R> rows, String nextPageToken) {

  /** The largest page a caller gets, whatever it asks for. */
  public static final int MAX_SIZE = 500;

  /** A page size as asked: 0, negative or above {@link #MAX_SIZE} mean {@link #MAX_SIZE}. */
  public static int size(int asked) {
    return asked <= 0 || asked > MAX_SIZE ? MAX_SIZE : asked;
  }

  /** From {@code fetched}, which holds up to one row more than {@code size} when there is more. */
  static <R> Page<R> of(List<R> fetched, int size, Function<R, String> name) {
    if (fetched.size() > size) {
      return new Page<>(List.copyOf(fetched.subList(0, size)), name.apply(fetched.get(size - 1)));
    }
    return new Page<>(List.copyOf(fetched), "");
  }
}
