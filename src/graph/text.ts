// Zod pieces for the text and numbers people type into forms: trimmed, blank treated as absent
// (for optional fields) or refused (for required ones), and bounded in length.
import { z } from 'zod';

export const NAME_MAX = 200;
export const TEXT_MAX = 1000;

/** A required text: trimmed, not blank. */
export const requiredText = (max = NAME_MAX) =>
  z
    .string()
    .trim()
    .min(1, { message: 'must not be blank' })
    .max(max, { message: `must be at most ${max} characters` });

/** An optional text: trimmed; blank becomes null so that "" clears a field as people expect. */
export const optionalText = (max = TEXT_MAX) =>
  z
    .string()
    .trim()
    .max(max, { message: `must be at most ${max} characters` })
    .transform((v) => (v === '' ? null : v))
    .nullish();

/** A date as `YYYY-MM-DD` (the Date scalar has checked it is a real one when it came through GraphQL). */
export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date (YYYY-MM-DD)' });

/** A web address people can follow: http or https only (no `javascript:` or `data:` links). */
export const webUrl = z.union([z.instanceof(URL), z.string()]).transform((u, ctx) => {
  let url: URL;
  try {
    url = typeof u === 'string' ? new URL(u) : u;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL' });
    return z.NEVER;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    return z.NEVER;
  }
  return url.toString();
});
