import { z } from 'zod';
import { templateProblem } from '../../core/template.js';
import { MAX_REGEX_LENGTH, regexSafetyProblem } from './regex-safety.js';

/**
 * A JavaScript regular expression given as text; a bad one is a load-time error naming the option.
 * It runs on every record, on the event loop: patterns that can backtrack catastrophically are
 * refused too (see regex-safety.ts).
 */
export function regexText(extraCheck?: (text: string) => string | undefined) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const extra = extraCheck?.(text);
      if (extra) ctx.addIssue({ code: z.ZodIssueCode.custom, message: extra });
      if (text.length > MAX_REGEX_LENGTH) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: regexSafetyProblem(text) ?? '' });
        return;
      }
      try {
        new RegExp(text);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(err as Error).message}` });
        return;
      }
      const unsafe = regexSafetyProblem(text);
      if (unsafe) ctx.addIssue({ code: z.ZodIssueCode.custom, message: unsafe });
    });
}

/** A `{field.path}` template; `what` prefixes the problem when the option's name alone is not clear. */
export function templateText(options: { minLength?: number; what?: string } = {}) {
  return z
    .string()
    .min(options.minLength ?? 1)
    .superRefine((text, ctx) => {
      const problem = templateProblem(text);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: options.what ? `${options.what}: ${problem}` : problem });
    });
}
