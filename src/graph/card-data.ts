// Payment card data the server never holds (PCI DSS): a card number (PAN: 13 to 19 digits passing
// the Luhn check, written with or without spaces or dashes between groups of digits) and a card
// security code (CVC, CVV, …). This one module says what counts as either. The money mutations refuse
// input holding them (card-data-guard.ts), the request guard refuses a security code sent in a field
// the schema does not have (text-input-guard.ts), and error messages sent to clients and every log
// line have them masked (src/http/app.ts, src/logger.ts), so neither is ever echoed or written down.

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/** What a masked card number reads as: no digits, nothing JSON would escape. */
export const MASKED_CARD_NUMBER = '[card number removed]';
/** What a masked security code reads as. */
export const MASKED_SECURITY_CODE = '[removed]';

/** Groups of digits, each separated from the next by spaces or dashes (a card as people write it). */
const DIGIT_RUN = /\d+(?:[\s-]+\d+)*/g;
const DIGIT_GROUP = /\d+/g;

/**
 * The spans [start, end) of `text` holding a card number: whole groups of a digit run (never part of
 * a group, so a 20-digit reference holds none), 13 to 19 digits in all, passing the Luhn check. A
 * card written after other digits ("PO 12 4111 1111 1111 1111") is found too. Linear in the text:
 * the Luhn sum is extended group by group leftwards from each group, at most 19 digits back.
 */
function cardNumberSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const run of text.matchAll(DIGIT_RUN)) {
    if (run[0].replace(/\D/g, '').length < MIN_DIGITS) continue;
    const groups = [...run[0].matchAll(DIGIT_GROUP)].map((g) => ({ digits: g[0], start: run.index + g.index, end: run.index + g.index + g[0].length }));
    for (let last = 0; last < groups.length; last++) {
      // Luhn from the right: every second digit, counting from the check digit, is doubled.
      let sum = 0;
      let count = 0;
      for (let first = last; first >= 0 && count <= MAX_DIGITS; first--) {
        const digits = groups[first]!.digits;
        for (let i = digits.length - 1; i >= 0 && count <= MAX_DIGITS; i--) {
          let d = digits.charCodeAt(i) - 48;
          if (count % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
          sum += d;
          count++;
        }
        if (count >= MIN_DIGITS && count <= MAX_DIGITS && sum % 10 === 0) spans.push([groups[first]!.start, groups[last]!.end]);
      }
    }
  }
  return spans;
}

/** True when `text` holds a card number anywhere. */
export function containsCardNumber(text: string): boolean {
  // Most text has no 13 digits at all: no need to look closer.
  return /\d/.test(text) && cardNumberSpans(text).length > 0;
}

/** Names a card security code goes by (compared without case, `_`, `-` or spaces). */
const SECURITY_CODE_NAMES = new Set([
  'cvc',
  'cvc2',
  'cvv',
  'cvv2',
  'cvn',
  'cvn2',
  'csc',
  'cav2',
  'cvd',
  'securitycode',
  'cardsecuritycode',
  'cardverificationcode',
  'cardverificationvalue',
  'cardcode',
  'cardcvc',
  'cardcvv',
]);

/** True when a field (or JSON key) with this name would hold a card security code. */
export function isSecurityCodeName(name: string): boolean {
  return SECURITY_CODE_NAMES.has(name.toLowerCase().replace(/[\s_-]/g, ''));
}

/** Words that may name a security code: text without one needs no closer look for them. */
const SECURITY_CODE_HINT = /c[vs][vcnd]|cav2|security|card/i;

/**
 * A name followed by a value, as error messages and logs write one: `cvc: "123"` (GraphQL's own
 * messages), `"cvc":"123"` (JSON), `cvv=123`. Only a security code's value (a quoted string or a
 * bare word, holding a digit as a code does) is taken; other names' values are read on, so a code
 * inside them is found too. (So "cvc: a card security code is never accepted" stays as it is.)
 */
const NAME_BEFORE_VALUE = /(?<![A-Za-z0-9_])([A-Za-z][A-Za-z0-9_-]{1,40})(["']?)(\s*[:=]\s*)/g;
const VALUE = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;)}\]"']+/y;

function maskSecurityCodes(text: string): string {
  if (!SECURITY_CODE_HINT.test(text)) return text;
  let out = '';
  let at = 0;
  for (const match of text.matchAll(NAME_BEFORE_VALUE)) {
    const valueAt = match.index + match[0].length;
    if (valueAt < at || !isSecurityCodeName(match[1]!)) continue;
    VALUE.lastIndex = valueAt;
    const value = VALUE.exec(text);
    if (!value || !/\d/.test(value[0])) continue;
    const quote = value[0][0] === '"' || value[0][0] === "'" ? value[0][0] : '';
    out += `${text.slice(at, valueAt)}${quote}${MASKED_SECURITY_CODE}${quote}`;
    at = valueAt + value[0].length;
  }
  return out + text.slice(at);
}

/** `text` with every card number and every security code's value replaced by a mask. */
export function maskCardData(text: string): string {
  let masked = text;
  if (/\d/.test(masked)) {
    const spans = cardNumberSpans(masked).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    if (spans.length > 0) {
      let out = '';
      let at = 0;
      for (const [start, end] of spans) {
        if (end <= at) continue;
        out += masked.slice(at, Math.max(at, start)) + (start >= at ? MASKED_CARD_NUMBER : '');
        at = end;
      }
      masked = out + masked.slice(at);
    }
  }
  return maskSecurityCodes(masked);
}

/** A JSON number: a card number written as one is masked too (but not pino's `time`). */
const JSON_NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * One JSON log line with card data masked: inside its strings (keys and values), in numbers (all
 * but pino's `time`), and the value of any key named like a security code replaced whatever its
 * type. The line stays valid JSON. Lines with nothing to mask come back as they were, unparsed.
 */
export function maskCardDataInJson(line: string): string {
  if (!SECURITY_CODE_HINT.test(line) && !containsCardNumber(line)) return line;
  let out = '';
  let i = 0;
  let redactNext = false;
  let lastKey = '';
  while (i < line.length) {
    const c = line[i]!;
    if (c !== '"') {
      if (redactNext && !/[\s:]/.test(c)) {
        // A security code's value that is not a string (a number, an object…): replaced whole.
        out += JSON.stringify(MASKED_SECURITY_CODE);
        i = endOfJsonValue(line, i);
        redactNext = false;
        continue;
      }
      if (c === '-' || (c >= '0' && c <= '9')) {
        JSON_NUMBER.lastIndex = i;
        const number = JSON_NUMBER.exec(line)![0];
        const card = lastKey !== 'time' && /^\d{13,19}$/.test(number) && containsCardNumber(number);
        out += card ? JSON.stringify(MASKED_CARD_NUMBER) : number;
        i += number.length;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
    const token = line.slice(i, j + 1);
    i = j + 1;
    let text: string;
    try {
      text = JSON.parse(token) as string;
    } catch {
      out += token;
      continue;
    }
    if (redactNext) {
      out += JSON.stringify(MASKED_SECURITY_CODE);
      redactNext = false;
      continue;
    }
    if (/^\s*:/.test(line.slice(i, i + 8))) {
      lastKey = text;
      redactNext = isSecurityCodeName(text);
    }
    const masked = maskCardData(text);
    out += masked === text ? token : JSON.stringify(masked);
  }
  return out;
}

/** Where the JSON value starting at `start` ends (a number, literal, object or array). */
function endOfJsonValue(line: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === ',' && depth === 0) return i;
    i++;
  }
  return i;
}

/**
 * A copy of a JSON-like value (an error as it is sent to a client) with card data masked in every
 * string, and the value of every key named like a security code replaced.
 */
export function maskCardDataIn<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return maskCardData(value) as T;
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => maskCardDataIn(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[maskCardData(key)] = isSecurityCodeName(key) ? MASKED_SECURITY_CODE : maskCardDataIn(item, depth + 1);
  }
  return out as T;
}
