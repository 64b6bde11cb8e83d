package goblog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes "start <epoch ms>" and "end <epoch ms>" lines to the file named by the system property
 * {@code marks}, when set: run.sh lines its docker stats samples up with the load by them.
 */
final class Marks {
  private Marks() {}

  static void write(String what) {
    String file = System.getProperty("marks");
    if (file == null || file.isEmpty()) {
      return;
    }
    String line = what + " " + System.currentTimeMillis() + "\n";
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
