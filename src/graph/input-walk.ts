// Looking through a request's input for text that must not be there, wherever it sits: every string,
// whole number and object key of an argument's value, at any depth. The request guard (text-input-guard.ts)
// walks the raw variables with it, the money mutations' guard (card-data-guard.ts) their arguments.

/** Where in an argument's value: object keys and list indexes, from the argument down. */
export type InputPath = Array<string | number>;

/** A string (or an object key, `key`) that the test picked, and where it is (a key's path ends with the key). */
export type InputFinding = { path: InputPath; key: boolean };

/** Deeper than any real input; a deeper value is not looked into (the request limits refuse it elsewhere). */
const MAX_DEPTH = 64;

/**
 * The first string, whole number (as its digits) or object key in `value` that `test` accepts, depth
 * first, or null. `test` is told whether it is looking at a key.
 */
export function findInInput(value: unknown, test: (text: string, key: boolean) => boolean, path: InputPath = []): InputFinding | null {
  if (typeof value === 'string') return test(value, false) ? { path, key: false } : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) && test(String(value), false) ? { path, key: false } : null;
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInInput(value[i], test, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (test(key, true)) return { path: [...path, key], key: true };
    const found = findInInput(item, test, [...path, key]);
    if (found) return found;
  }
  return null;
}
