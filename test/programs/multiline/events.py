"""Prints, to stderr, events of the kinds real Python programs print there: log lines, one-line
error summaries, logging.exception() and logger.error(exc_info=True) records, traceback.print_exc()
of plain, custom and chained exceptions (both kinds of chaining), exception groups (nested, chained,
except*), deep recursion ("[Previous line repeated N more times]"), SyntaxError, stack_info, uncaught
exceptions in threads, and warnings. Everything is printed by the interpreter's own traceback,
logging, threading and warnings code.

Usage: python3 events.py COUNT SEED. For each event it prints to stdout how many lines the event
wrote to stderr (the manifest), so that a test can cut stderr into the events it must find as one
record each.

Not printed, because no line rule can tell them from the next log line (see
docs/plugins/multiline.md): exception messages with line breaks, exception notes (add_note), and a
bare traceback right after a WARNING/ERROR/CRITICAL line, which the python preset reads as that
line's traceback.
"""
import io
import logging
import random
import sys
import threading
import traceback
import types
import warnings

REAL_STDERR = sys.stderr
mymodule = types.ModuleType("mymodule")


class Boom(Exception):
    pass


class Shutdown(BaseException):
    pass


class Boom2(Exception):
    pass


# exception classes printed with their module: "mymodule.Boom: …", "billing.errors.Declined"
Boom2.__module__ = "mymodule"
Boom2.__qualname__ = Boom2.__name__ = "Boom"
Declined = type("Declined", (Exception,), {"__module__": "billing.errors"})


class CurrentStderr:
    """A stream that writes to whatever sys.stderr is now (logging handlers keep their stream)."""

    def write(self, text):
        return sys.stderr.write(text)

    def flush(self):
        sys.stderr.flush()


def handler(fmt):
    h = logging.StreamHandler(CurrentStderr())
    h.setFormatter(logging.Formatter(fmt))
    return h


logging.basicConfig(level=logging.DEBUG, handlers=[handler(logging.BASIC_FORMAT)])
default_log = logging.getLogger("worker")  # "ERROR:worker:…"
app_log = logging.getLogger("app.billing")  # "2026-… ERROR [app.billing] …"
app_log.propagate = False
app_log.addHandler(handler("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
warnings.simplefilter("always")
sys.setrecursionlimit(200)  # a RecursionError's traceback of 200 frames is as real as one of 1000, and faster

LEVELED = ("WARNING", "ERROR", "CRITICAL")


def recurse(n, what):
    if n == 0:
        raise what
    return recurse(n - 1, what)


def nested(depth, what):
    """A traceback `depth` frames deep through different lines (not collapsed)."""
    steps = [lambda: recurse(0, what), lambda: nested(depth - 1, what)]
    return steps[1 if depth > 0 else 0]()


def raise_some(rng, i):
    kind = rng.randrange(11)
    if kind == 0:
        nested(rng.randrange(4), ValueError(f"ev-{i} invalid literal for int() with base 10: 'x'"))
    if kind == 1:
        {}[f"ev-{i}"]
    if kind == 2:
        raise Boom(f"ev-{i} custom exception")
    if kind == 3:
        raise Boom2(f"ev-{i} raised by mymodule")
    if kind == 4:
        raise Declined()
    if kind == 5:
        raise KeyboardInterrupt
    if kind == 6:
        raise StopIteration(i)
    if kind == 7:
        raise SystemExit(3)
    if kind == 8:
        raise Shutdown()
    if kind == 9:
        return 1 / 0
    raise OSError(2, "No such file or directory", f"/data/ev-{i}.csv")


def chained(rng, i, depth):
    """An exception chained `depth` times, by `raise … from …` or inside an except block."""
    if depth == 0:
        raise_some(rng, i)
    try:
        chained(rng, i, depth - 1)
    except BaseException as e:
        if rng.random() < 0.5:
            raise RuntimeError(f"ev-{i} while handling, level {depth}")
        raise LookupError(f"ev-{i} caused, level {depth}") from e


def group(rng, i, depth=0):
    subs = []
    for k in range(rng.randrange(1, 4)):
        if depth < 2 and rng.random() < 0.3:
            try:
                group(rng, i, depth + 1)
            except BaseException as e:
                subs.append(e)
            continue
        try:
            chained(rng, i, rng.randrange(2)) if rng.random() < 0.5 else raise_some(rng, i)
        except Exception as e:  # a group holds Exceptions only
            subs.append(e)
        except BaseException:
            subs.append(ValueError(f"ev-{i} sub-exception {k}"))
    raise ExceptionGroup(f"ev-{i} group at depth {depth}", subs)


def in_a_group_handler(rng, i):
    try:
        group(rng, i)
    except* ValueError:
        raise TypeError(f"ev-{i} raised in an except* block")
    except* BaseException:
        raise RuntimeError(f"ev-{i} raised in an except* block")


def in_a_thread(rng, i):
    try:
        chained(rng, i, rng.randrange(2))
    except SystemExit:  # which threading.excepthook would not print
        raise RuntimeError(f"ev-{i} the thread called exit")


def catching(work):
    try:
        work()
    except BaseException:
        return sys.exc_info()[1]
    return None


def plain(rng, i):
    kind = rng.randrange(6)
    if kind == 0:
        level = rng.choice([logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL])
        rng.choice([default_log, app_log]).log(level, "ev-%d request handled in %d ms", i, rng.randrange(900))
    elif kind == 1:
        # one-line summaries, looking like a traceback's last line but standing alone
        print(rng.choice([f"ValueError: ev-{i} bad input", f"mymodule.Boom: ev-{i} skipped", "KeyboardInterrupt", f"ev-{i}: KeyError: 'user'"]), file=sys.stderr)
    elif kind == 2:
        print(f"ev-{i} processed batch {rng.randrange(100)}: {rng.randrange(10**6)} rows", file=sys.stderr)
    elif kind == 3:
        print(f"Traceback is off for ev-{i} (see above)", file=sys.stderr)
    elif kind == 4:
        print(f"[{i}] worker-{rng.randrange(8)} idle", file=sys.stderr)
    else:
        print(f"ev-{i} {{'rows': {rng.randrange(100)}, 'ok': True}}", file=sys.stderr)


def event(rng, i, previous_leveled):
    """Prints one event to the current sys.stderr."""
    kind = rng.randrange(12)
    if kind < 3 or (previous_leveled and kind in (4, 5, 7, 11)):
        plain(rng, i)
    elif kind == 3:
        log = rng.choice([default_log, app_log])
        try:
            chained(rng, i, rng.randrange(3))
        except BaseException:
            if rng.random() < 0.5:
                log.exception("ev-%d could not charge the card", i)
            else:
                log.error("ev-%d job failed", i, exc_info=True)
    elif kind == 4:
        try:
            chained(rng, i, rng.randrange(4))
        except BaseException:
            traceback.print_exc()
    elif kind == 5:
        try:
            raise_some(rng, i)
        except BaseException:
            traceback.print_exc()
    elif kind == 6:
        e = catching(lambda: group(rng, i) if rng.random() < 0.6 else in_a_group_handler(rng, i))
        if rng.random() < 0.5 or previous_leveled:
            app_log.error("ev-%d batch failed", i, exc_info=e)
        else:
            traceback.print_exception(e)
    elif kind == 7:
        # deep recursion: "[Previous line repeated N more times]", and now and then a RecursionError
        e = catching(lambda: recurse(rng.randrange(4, 60) if rng.random() < 0.8 else 10**6, ValueError(f"ev-{i} at the bottom")))
        traceback.print_exception(e)
    elif kind == 8:
        t = threading.Thread(target=in_a_thread, args=(random.Random(rng.random()), i), name=f"worker-{i}")
        t.start()
        t.join()
    elif kind == 9:
        warnings.warn(f"ev-{i} the 'limit' argument is deprecated", rng.choice([DeprecationWarning, UserWarning, RuntimeWarning]))
    elif kind == 10:
        app_log.warning("ev-%d slow request", i, stack_info=True)
    else:
        e = catching(lambda: compile(f"ev_{i} = (1 +", f"<config ev-{i}>", "exec"))
        traceback.print_exception(e)


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    previous_leveled = False
    for i in range(count):
        captured = io.StringIO()
        sys.stderr = captured
        try:
            event(rng, i, previous_leveled)
        finally:
            sys.stderr = REAL_STDERR
        text = captured.getvalue()
        assert text.endswith("\n") and text.count("\n") > 0, repr(text)
        REAL_STDERR.write(text)
        REAL_STDERR.flush()
        print(text.count("\n"))
        previous_leveled = "\n" not in text[:-1] and any(level in text for level in LEVELED)


if __name__ == "__main__":
    main()
