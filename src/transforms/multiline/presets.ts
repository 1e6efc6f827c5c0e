/**
 * The presets: what Python, Java and Go print when something fails, line by line. Unlike a
 * start or continue pattern, a line's place depends on the lines before it (a `ValueError: x`
 * line ends a traceback but stands alone after a log line), and sometimes on the line after it (a
 * `java.lang.IllegalStateException: x` line after an ERROR log line belongs to it only if a stack
 * frame follows): a rule may take a line tentatively, and the transform sets it apart again if
 * the next line does not confirm it. docs/plugins/multiline.md lists the rules; the tests run
 * python3, java and go and check each event is one record.
 */

/**
 * What a line does to the record held: `join` continues it (confirming lines taken
 * tentatively), `maybe` continues it tentatively, `start` starts a new one (the lines taken
 * tentatively are read again from the start, as lines of their own).
 */
export type Verdict = 'join' | 'maybe' | 'start';

export interface LineRules<State> {
  /** The state of a record that starts with this line. */
  first(line: string): State;
  /** The verdict on the next line of the stream, and the record's state if it continues it. */
  next(state: State, line: string): { verdict: Verdict; state: State };
}

const start = <S>(state: S): { verdict: Verdict; state: S } => ({ verdict: 'start', state });
const join = <S>(state: S): { verdict: Verdict; state: S } => ({ verdict: 'join', state });
const maybe = <S>(state: S): { verdict: Verdict; state: S } => ({ verdict: 'maybe', state });

/**
 * The regular expressions the presets use. The transform runs them on every line, so they pass
 * the same safety check as users' patterns (presets.test.ts runs them on 1 MiB lines built to
 * make them backtrack).
 */
export const PATTERNS = {
  /** An indented line: a frame, a source line, a caret line, a nested part of a trace. */
  indented: '^\\s',
  blank: '^\\s*$',
  /**
   * A log line's level or a header announcing a trace: the line a logging framework prints
   * before a traceback or stack trace ("ERROR:root:failed", "… [main] ERROR c.x.App - failed",
   * "SEVERE: failed", "Exception in thread Thread-1 (run):"). Matched ignoring case.
   */
  level: '\\b(?:error|err|critical|crit|fatal|severe|warn|warning|exception)\\b',
  pythonTraceback: '^Traceback \\(most recent call last\\):$',
  pythonGroup: '^\\s*\\+ Exception Group Traceback \\(most recent call last\\):$',
  pythonStack: '^Stack \\(most recent call last\\):$',
  pythonChain: '^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$',
  /** A Throwable's toString(): a class name with its package ("java.io.IOException", "com.x.App$Failed"), then ": message" or nothing. */
  javaException: '^[A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)+(?:: .*)?$',
  javaThread: '^Exception in thread "',
  javaCausedBy: '^\\s*Caused by: ',
  /** Throwable.printStackTrace() of a cause chain that loops. */
  javaCircular: '^\\s*Caused by: \\[CIRCULAR REFERENCE: ',
  /** java.util.logging's SimpleFormatter: "Dec 06, 2026 9:54:40 AM com.x.App main", then "SEVERE: message". */
  julDate: '^[A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d\\d:\\d\\d [AP]M \\S',
  julLevel: '^(?:SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): ',
  goPanic: '^(?:panic: |fatal error: |runtime: )',
  goPanicDetail: '^(?:\\[signal |fatal error: |runtime: )',
  /** "goroutine 1 [running]:", "goroutine 18 gp=0xc… m=nil [chan receive, 2 minutes]:" */
  goGoroutine: '^goroutine \\d+ [^\\[\\n]*\\[[^\\]\\n]*\\]:$',
  goRuntimeStack: '^runtime stack:$',
  /**
   * A frame's function: "main.main()", "main.(*T).M(...)", "net/http.(*conn).serve(0xc0001)",
   * "main.Map[...](…)"; the name stops at the first "(", so a line of "(" is one linear scan.
   */
  goFrame: '^[\\w./*%\\[\\]-]+\\([^\\n]*\\)$',
  goFrameInfo: '^(?:created by |\\.\\.\\.(?:\\d+|additional) frames elided\\.\\.\\.$)',
} as const;

const re = Object.fromEntries(Object.entries(PATTERNS).map(([name, pattern]) => [name, new RegExp(pattern, name === 'level' ? 'i' : '')])) as Record<keyof typeof PATTERNS, RegExp>;

function blank(line: string): boolean {
  return re.blank.test(line);
}

function indented(line: string): boolean {
  return re.indented.test(line);
}

// ---- Python -----------------------------------------------------------------------------------

/**
 * plain: log lines (and their indented lines); `leveled` when the first has a level, which makes
 * it a header a traceback may follow. frames: in a traceback, before its exception line. done:
 * after it (or in an exception group, or a stack_info stack). chain: after "During handling …"
 * or "The above exception …", before the next traceback.
 */
type PythonState = 'plain' | 'leveled' | 'frames' | 'done' | 'chain';

function pythonTrace(line: string): PythonState | undefined {
  if (re.pythonTraceback.test(line)) return 'frames';
  // an exception group's box is indented throughout, its exception lines too; a stack has none
  if (re.pythonGroup.test(line) || re.pythonStack.test(line)) return 'done';
  return undefined;
}

const python: LineRules<PythonState> = {
  first: (line) => pythonTrace(line) ?? (re.level.test(line) ? 'leveled' : 'plain'),
  next: (state, line) => {
    const trace = pythonTrace(line);
    // logging.exception()'s "ERROR:root:failed", threading's "Exception in thread t:", or a chain
    if (trace) return state === 'leveled' || state === 'chain' ? join(trace) : start(trace);
    if (blank(line)) return state === 'done' || state === 'chain' ? join(state) : start(state);
    if (indented(line)) return join(state);
    if (re.pythonChain.test(line)) return state === 'done' ? join('chain') : start(state);
    // the exception line, whatever the class: "KeyboardInterrupt", "mymodule.Boom: x"
    if (state === 'frames') return join('done');
    return start(state);
  },
};

// ---- Java -------------------------------------------------------------------------------------

/** How many lines a Throwable's message may have beyond its first, taken tentatively until a frame follows. */
const JAVA_MESSAGE_LINES = 20;

/**
 * plain: log lines (and their indented lines); `leveled` when one has a level (a header a stack
 * trace may follow), `jul` when it is java.util.logging's date line; `blank` once a blank line
 * followed a header (Spring Boot prints one before the trace). head: the exception line, before
 * its first frame, with `lines` lines of its message after it. trace: from the first frame on.
 */
type JavaState = { kind: 'plain'; leveled: boolean; jul: boolean; blank: boolean } | { kind: 'head'; lines: number } | { kind: 'trace' };

function javaPlain(line: string): JavaState {
  return { kind: 'plain', leveled: re.level.test(line), jul: re.julDate.test(line), blank: false };
}

/** A line that starts a log record or a trace of its own: not a line of an exception's message. */
function javaRecordLike(line: string): boolean {
  return re.level.test(line) || re.javaException.test(line) || re.javaThread.test(line) || re.julDate.test(line);
}

const java: LineRules<JavaState> = {
  first: (line) => (re.javaThread.test(line) || re.javaCausedBy.test(line) || re.javaException.test(line) ? { kind: 'head', lines: 0 } : javaPlain(line)),
  next: (state, line) => {
    // "Caused by: …" and, indented, the causes and suppressed exceptions of suppressed ones
    if (re.javaCausedBy.test(line)) return join(re.javaCircular.test(line) ? { kind: 'trace' } : { kind: 'head', lines: 0 });
    if (state.kind === 'head') {
      // "\tat …", "\t... 3 more", "\tSuppressed: …": the trace goes on, the message lines are its
      if (indented(line) && !blank(line)) return join({ kind: 'trace' });
      if (state.lines < JAVA_MESSAGE_LINES && !javaRecordLike(line)) return maybe({ kind: 'head', lines: state.lines + 1 });
      return start(state);
    }
    if (state.kind === 'trace') {
      // java.util.logging and Spring Boot end a record with a blank line
      if (indented(line) || blank(line)) return join(state);
      return start(state);
    }
    if (blank(line)) return state.leveled && !state.blank ? maybe({ ...state, blank: true }) : start(state);
    if (indented(line)) return join({ ...state, blank: false });
    // java.util.logging's second line
    if (state.jul && re.julLevel.test(line)) return join({ kind: 'plain', leveled: re.level.test(line), jul: false, blank: false });
    // a logging framework's header, then the exception line: its if a frame follows
    if (re.javaException.test(line)) return state.leveled ? maybe({ kind: 'head', lines: 0 }) : start(state);
    return start(state);
  },
};

// ---- Go ---------------------------------------------------------------------------------------

/**
 * plain: log lines (and their indented lines). panic: "panic: …" or "fatal error: …" and its
 * details, before the first goroutine. dump: goroutines' stacks; `blank` after a blank line,
 * where the next goroutine may start.
 */
type GoState = 'plain' | 'panic' | 'dump' | 'dumpBlank';

const go: LineRules<GoState> = {
  first: (line) => (re.goPanic.test(line) ? 'panic' : re.goGoroutine.test(line) ? 'dump' : 'plain'),
  next: (state, line) => {
    if (state === 'panic') {
      if (blank(line) || indented(line) || re.goPanicDetail.test(line)) return join(state);
      return re.goGoroutine.test(line) || re.goRuntimeStack.test(line) ? join('dump') : start(state);
    }
    if (state === 'dump' || state === 'dumpBlank') {
      if (blank(line)) return join('dumpBlank');
      if (re.goGoroutine.test(line)) return state === 'dumpBlank' ? join('dump') : start(state);
      return indented(line) || re.goFrame.test(line) || re.goFrameInfo.test(line) ? join('dump') : start(state);
    }
    // debug.Stack() printed under a log line: "… recovered: boom\ngoroutine 1 [running]:"
    if (re.goGoroutine.test(line)) return join('dump');
    return indented(line) ? join(state) : start(state);
  },
};

export const PRESET_RULES = { python, java, go } as const;

/** The rules of a `start` or `continue` pattern: every line on its own. */
export function patternRules(pattern: RegExp, matching: 'starts' | 'continues'): LineRules<null> {
  return {
    first: () => null,
    next: (_state, line) => ({ verdict: pattern.test(line) === (matching === 'continues') ? 'join' : 'start', state: null }),
  };
}
