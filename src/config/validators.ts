import { z } from 'zod';
import { templateProblem } from '../core/template.js';

/** A JavaScript regular expression given as text; a bad one is a load-time error naming the option. */
export function regexText(extraCheck?: (text: string) => string | undefined) {
  return z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const extra = extraCheck?.(text);
      if (extra) ctx.addIssue({ code: z.ZodIssueCode.custom, message: extra });
      try {
        new RegExp(text);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(err as Error).message}` });
      }
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
