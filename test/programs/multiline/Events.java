package com.example.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

/**
 * Prints, to stderr, events of the kinds real Java programs print there: log lines (logback's
 * and Spring Boot's layouts, and java.util.logging's own two-line SimpleFormatter), log records
 * with a stack trace (right under the header, after a blank line as Spring Boot prints it, and
 * java.util.logging's), Throwable.printStackTrace() of exceptions with causes ("Caused by:",
 * "... N more"), suppressed exceptions (with their own causes), circular references, multi-line
 * messages, deep recursion, and uncaught exceptions in threads ("Exception in thread ...").
 * Every stack trace is printed by the JVM's own Throwable and ThreadGroup code.
 *
 * Usage: java com.example.events.Events COUNT SEED. For each event it prints to stdout how many
 * lines the event wrote to stderr (the manifest), so that a test can cut stderr into the events
 * it must find as one record each.
 *
 * Not printed, because no line rule can tell it from the next log line (see
 * docs/plugins/multiline.md): a bare stack trace right after a WARN/ERROR line, which the java
 * preset reads as that line's stack trace.
 */
public final class Events {
  static final PrintStream REAL_STDERR = System.err;
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  static final class PaymentDeclined extends RuntimeException {
    PaymentDeclined(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Writes to whatever System.err is now (a handler keeps its stream). */
  static final class CurrentStderr extends OutputStream {
    @Override
    public void write(int b) {
      System.err.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.err.write(b, off, len);
    }

    @Override
    public void flush() {
      System.err.flush();
    }
  }

  /** logback's usual layout: "%d [%thread] %-5level %logger - %msg%n%ex". */
  static final class LogbackLayout extends Formatter {
    @Override
    public String format(LogRecord r) {
      String level = r.getLevel() == Level.SEVERE ? "ERROR" : r.getLevel() == Level.WARNING ? "WARN" : r.getLevel() == Level.INFO ? "INFO" : "DEBUG";
      return String.format("%s [main] %-5s %s - %s%n%s", TIME.format(r.getInstant()), level, r.getLoggerName(), r.getMessage(), trace(r.getThrown()));
    }
  }

  /** Spring Boot's console layout: the stack trace after a blank line, and a blank line after it ("%m%n%wEx"). */
  static final class SpringBootLayout extends Formatter {
    @Override
    public String format(LogRecord r) {
      String level = r.getLevel() == Level.SEVERE ? "ERROR" : r.getLevel() == Level.WARNING ? "WARN" : "INFO";
      String header = String.format("%sZ %5s 1 --- [           main] %-40s : %s%n", TIME.format(r.getInstant()).replace(' ', 'T'), level, r.getLoggerName(), r.getMessage());
      return r.getThrown() == null ? header : header + System.lineSeparator() + trace(r.getThrown()) + System.lineSeparator();
    }
  }

  static String trace(Throwable t) {
    if (t == null) return "";
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  static Logger logger(String name, Formatter layout) {
    Logger log = Logger.getLogger(name);
    log.setUseParentHandlers(false);
    Handler handler = new StreamHandler(new CurrentStderr(), layout) {
      @Override
      public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
      }
    };
    handler.setLevel(Level.ALL);
    log.addHandler(handler);
    log.setLevel(Level.ALL);
    return log;
  }

  static Logger logback;
  static Logger spring;
  static Logger jul;

  static void recurse(int n, RuntimeException e) {
    if (n == 0) throw e;
    recurse(n - 1, e);
  }

  static RuntimeException some(Random rng, int i) {
    switch (rng.nextInt(9)) {
      case 0:
        try {
          Integer.parseInt("ev-" + i);
        } catch (NumberFormatException e) {
          return e;
        }
      case 1:
        try {
          Object o = List.of("ev-" + i);
          return new IllegalArgumentException("ev-" + i + " " + ((String) o));
        } catch (ClassCastException e) {
          return e;
        }
      case 2:
        try {
          String s = rng.nextInt(1) == 0 ? null : "x";
          return new IllegalStateException(s.trim());
        } catch (NullPointerException e) {
          return e;
        }
      case 3:
        return new IllegalStateException();
      case 4:
        return new UncheckedIOException("ev-" + i + " reading /data/in.csv", new IOException("ev-" + i + " disk quota exceeded"));
      case 5:
        return new PaymentDeclined("ev-" + i + " card declined", null);
      case 6:
        return new InventoryException("ev-" + i + " out of stock");
      case 7:
        try {
          int[] a = new int[i % 3];
          a[i % 3] = 1;
        } catch (ArrayIndexOutOfBoundsException e) {
          return e;
        }
      default:
        try {
          recurse(rng.nextInt(120), new ArithmeticException("ev-" + i + " / by zero"));
        } catch (ArithmeticException e) {
          return e;
        }
        return null;
    }
  }

  /** Thrown `depth` frames deep, wrapped `causes` times (each wrapper thrown from its own frame). */
  static RuntimeException thrown(Random rng, int i, int causes) {
    RuntimeException e = some(rng, i);
    for (int k = 0; k < causes; k++) {
      try {
        recurse(rng.nextInt(4), e);
      } catch (RuntimeException caught) {
        e = rng.nextBoolean() ? new PaymentDeclined("ev-" + i + " wrapped " + k, caught) : new RuntimeException(caught);
      }
    }
    try {
      recurse(rng.nextInt(6), e);
    } catch (RuntimeException caught) {
      return caught;
    }
    return e;
  }

  static RuntimeException withSuppressed(Random rng, int i) {
    RuntimeException main = thrown(rng, i, rng.nextInt(2));
    for (int k = rng.nextInt(1, 3); k > 0; k--) {
      try (AutoCloseable resource = () -> {
        throw new IOException("ev-" + i + " close failed", rng.nextBoolean() ? null : new IllegalStateException("ev-" + i + " socket reset"));
      }) {
        throw main;
      } catch (Exception e) {
        main = (RuntimeException) e;
      }
    }
    return main;
  }

  static RuntimeException circular(int i) {
    RuntimeException a = new RuntimeException("ev-" + i + " a");
    RuntimeException b = new IllegalStateException("ev-" + i + " b", a);
    a.initCause(b);
    return b;
  }

  static RuntimeException multiLine(Random rng, int i) {
    String message = "ev-" + i + " query failed:\nSELECT * FROM orders\nWHERE id = " + i;
    RuntimeException e = new IllegalStateException(message);
    return rng.nextBoolean() ? e : new PaymentDeclined("ev-" + i + " could not load\nthe order", e);
  }

  static RuntimeException anyThrown(Random rng, int i) {
    switch (rng.nextInt(5)) {
      case 0:
        return withSuppressed(rng, i);
      case 1:
        return circular(i);
      case 2:
        return multiLine(rng, i);
      default:
        return thrown(rng, i, rng.nextInt(4));
    }
  }

  static void plain(Random rng, int i) {
    Level[] levels = {Level.FINE, Level.INFO, Level.WARNING, Level.SEVERE};
    switch (rng.nextInt(5)) {
      case 0:
        logback.log(levels[rng.nextInt(4)], "ev-" + i + " request handled in " + rng.nextInt(900) + " ms");
        break;
      case 1:
        spring.log(levels[1 + rng.nextInt(3)], "ev-" + i + " Started Application in " + rng.nextInt(9) + ".2 seconds");
        break;
      case 2:
        jul.log(levels[1 + rng.nextInt(3)], "ev-" + i + " cache refreshed");
        break;
      case 3:
        // looking like the first line of a stack trace, but standing alone
        System.err.println(rng.nextBoolean() ? "java.lang.IllegalStateException: ev-" + i + " (retrying)" : "com.example.events.Status: ev-" + i + " all good");
        break;
      default:
        System.err.println("ev-" + i + " processed batch " + rng.nextInt(100) + ": " + rng.nextInt(1_000_000) + " rows");
    }
  }

  static void event(Random rng, int i, boolean previousLeveled) throws InterruptedException {
    int kind = rng.nextInt(9);
    if (kind < 3 || (previousLeveled && kind == 6)) {
      plain(rng, i);
    } else if (kind == 3) {
      logback.log(rng.nextBoolean() ? Level.SEVERE : Level.WARNING, "ev-" + i + " could not charge the card", anyThrown(rng, i));
    } else if (kind == 4) {
      spring.log(Level.SEVERE, "ev-" + i + " Application run failed", anyThrown(rng, i));
    } else if (kind == 5) {
      jul.log(rng.nextBoolean() ? Level.SEVERE : Level.WARNING, "ev-" + i + " job failed", anyThrown(rng, i));
    } else if (kind == 6) {
      anyThrown(rng, i).printStackTrace();
    } else {
      RuntimeException e = anyThrown(rng, i);
      Thread t = new Thread(() -> {
        throw e;
      }, "worker-" + i);
      t.start();
      t.join();
    }
  }

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.US);
    logback = logger("com.example.billing.PaymentService", new LogbackLayout());
    spring = logger("o.s.boot.SpringApplication", new SpringBootLayout());
    jul = logger("com.example.jobs", new SimpleFormatter());
    int count = Integer.parseInt(args[0]);
    Random rng = new Random(Long.parseLong(args[1]));
    boolean previousLeveled = false;
    for (int i = 0; i < count; i++) {
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        event(rng, i, previousLeveled);
      } finally {
        System.err.flush();
        System.setErr(REAL_STDERR);
      }
      String text = captured.toString(StandardCharsets.UTF_8);
      if (!text.endsWith("\n")) throw new IllegalStateException("event " + i + " printed " + text);
      REAL_STDERR.print(text);
      REAL_STDERR.flush();
      System.out.println(text.chars().filter(c -> c == '\n').count());
      previousLeveled = !text.startsWith("java.") && !text.startsWith("com.") && (text.contains("WARN") || text.contains("ERROR") || text.contains("SEVERE")) && !text.contains("\tat ");
    }
    System.out.flush();
  }
}

class InventoryException extends RuntimeException {
  InventoryException(String message) {
    super(message);
  }
}
