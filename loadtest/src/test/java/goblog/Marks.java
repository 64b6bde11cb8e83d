package goblog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes "start <epoch ms>" and "end <epoch ms>" lines (and counters) to the file named by the
 * system property {@code marks}, when set: run.sh lines its docker stats samples up with the load
 * by the times, and its report shows the counters.
 */
final class Marks {
  private Marks() {}

  /** Appends "what <epoch ms>". */
  static void write(String what) {
    write(what, System.currentTimeMillis());
  }

  /** Appends "what value". */
  static void write(String what, long value) {
    String file = System.getProperty("marks");
    if (file == null || file.isEmpty()) {
      return;
    }
    String line = what + " " + value + "\n";
    try {
      Files.writeString(
          Path.of(file),
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }
}
