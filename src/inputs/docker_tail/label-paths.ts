/**
 * A label path may hold only characters no shell or glob gives a meaning to. Labels are set by
 * whoever runs the container, not by the operator: the wrapper gets the path as an argument, never
 * as script text, but it also matches `"$f"?*` to find rotated files, where `*`, `?` and `[` would
 * widen the match; spaces and the rest are refused too rather than reasoned about one by one.
 */
const SAFE_PATH = /^\/[A-Za-z0-9._@%+=:~/-]*$/;

export interface LabelPaths {
  /** The label's paths to follow, in label order, at most `max` of them, none already in `configured`. */
  paths: string[];
  /** Paths refused for their characters or for not being absolute. */
  rejected: string[];
  /** Valid paths beyond the cap. */
  skipped: string[];
}

/** The paths a container's label asks for (comma-separated), checked and capped. */
export function labelPaths(value: string | undefined, configured: readonly string[], max: number): LabelPaths {
  const result: LabelPaths = { paths: [], rejected: [], skipped: [] };
  const seen = new Set(configured);
  for (const raw of (value ?? '').split(',')) {
    const path = raw.trim();
    if (!path || seen.has(path)) continue;
    seen.add(path);
    if (!SAFE_PATH.test(path)) result.rejected.push(path);
    else if (result.paths.length < max) result.paths.push(path);
    else result.skipped.push(path);
  }
  return result;
}
