package dev.banger.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The CLI's SLF4J backend: a library's message at or above {@code $BANGER_LOG_LEVEL} (default
 * ERROR) becomes one {@code banger: …} line on stderr; the CLI speaks in its own sentences.
 *
 * <p>Why not logback, which the services use from the same lib/: configuring logback from XML loads
 * some 600 classes (logback and the JDK's XML parser), the largest single part of a {@code banger}
 * start (docs/cli.md, "Start-up"). bin/banger selects this provider with {@code -Dslf4j.provider};
 * it is not registered for ServiceLoader, so bangerd never sees it.
 */
public final class CliLoggerProvider implements SLF4JServiceProvider {

  private ILoggerFactory factory;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public void initialize() {
    Level threshold = threshold(System.getenv("BANGER_LOG_LEVEL"));
    factory = name -> new CliLogger(name, threshold, System.err);
  }

  static Level threshold(String setting) {
    if (setting == null || setting.isBlank()) {
      return Level.ERROR;
    }
    try {
      return Level.valueOf(setting.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Level.ERROR;
    }
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  /** One logger: its level test, and the line it prints. */
  static final class CliLogger extends LegacyAbstractLogger {

    private final Level threshold;
    private final transient PrintStream err;

    CliLogger(String name, Level threshold, PrintStream err) {
      this.name = name;
      this.threshold = threshold;
      this.err = err;
    }

    private boolean on(Level level) {
      // slf4j's Level numbers grow with severity (TRACE 0 … ERROR 40).
      return level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
      return on(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return on(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return on(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return on(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return on(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] args, Throwable thrown) {
      String msg = MessageFormatter.basicArrayFormat(pattern, args);
      StringBuilder line = new StringBuilder("banger: ").append(msg);
      if (thrown != null) {
        line.append(": ").append(thrown);
      }
      err.println(line);
      if (thrown != null && threshold.toInt() <= Level.DEBUG.toInt()) {
        thrown.printStackTrace(err);
      }
    }
  }
}
