// What counts as payment card data, and how it is masked (src/graph/card-data.ts): card numbers of
// 13 to 19 digits passing Luhn however they are written, security codes by the names they go by; and
// the log lines of both kinds of logger (the server's own, and one handed in by a test or embedder)
// have them masked while staying JSON.
// @database-independent: pure functions and loggers writing to memory, so the PostgreSQL run leaves it out (jest.config.ts).
import pino from 'pino';
import { containsCardNumber, isSecurityCodeName, maskCardData, maskCardDataIn, maskCardDataInJson } from '../../src/graph/card-data';
import { createLogger, withSafeErrors } from '../../src/logger';
import { withRequestFields } from '../../src/observability/request-scope';

describe('card numbers', () => {
  it.each([
    ['4111111111111111', true],
    ['4111 1111 1111 1111', true],
    ['4111-1111-1111-1111', true],
    ['378282246310005', true], // 15 digits (Amex)
    ['6011 0009 9013 9424', true],
    ['6205 5000 0000 0000 004', true], // 19 digits (UnionPay)
    ['PO 12 4111 1111 1111 1111', true], // after other digits
    ['ref4111111111111111x', true], // against letters
    ['4111111111111112', false], // fails Luhn
    ['411111111111', false], // 12 digits
    ['12345678901234567890', false], // 20 digits in one group: no card inside it
    ['2026-11-02', false],
    ['+447700900123', false],
    ['', false],
  ])('%s: %s', (text, expected) => {
    expect(containsCardNumber(text)).toBe(expected);
  });
});

describe('security code names', () => {
  it.each([
    ['cvc', true],
    ['CVV2', true],
    ['cvc2', true],
    ['securityCode', true],
    ['security_code', true],
    ['card-security-code', true],
    ['description', false],
    ['code', false],
    ['cv', false],
  ])('%s: %s', (name, expected) => {
    expect(isSecurityCodeName(name)).toBe(expected);
  });
});

describe('masking text', () => {
  it('replaces each card number and each security code value, and leaves the rest', () => {
    expect(maskCardData('Paid by 4111 1111 1111 1111 on 2026-11-02, ref 12')).toBe('Paid by [card number removed] on 2026-11-02, ref 12');
    expect(maskCardData('Variable "$input" got invalid value { customerId: "Q3", cvc: "123" }; Field "cvc" is not defined by type "X".')).toBe(
      'Variable "$input" got invalid value { customerId: "Q3", cvc: "[removed]" }; Field "cvc" is not defined by type "X".',
    );
    expect(maskCardData('{"securityCode":456,"note":"cvv=999"}')).toBe('{"securityCode":[removed],"note":"cvv=[removed]"}');
    // A sentence about the field, with no code in it, stays readable.
    expect(maskCardData('cvc: a card security code is never accepted')).toBe('cvc: a card security code is never accepted');
    expect(maskCardData('nothing to see: 42')).toBe('nothing to see: 42');
  });

  it('masks inside a value sent to a client, keys included', () => {
    expect(maskCardDataIn({ message: 'x 4111111111111111', extensions: { cvc: '123', stacktrace: ['Error: 5555 5555 5555 4444'] } })).toEqual({
      message: 'x [card number removed]',
      extensions: { cvc: '[removed]', stacktrace: ['Error: [card number removed]'] },
    });
  });

  it('masks a JSON log line in its strings, numbers and security-code values, and keeps it JSON; `time` is left alone', () => {
    const line = `${JSON.stringify({
      level: 30,
      time: 4111111111111111,
      msg: 'got 4111 1111 1111 1111 and cvc: "123"',
      nested: { cvc: 123, cvv: { a: 1 }, list: ['5555555555554444', 378282246310005], 'x 4111111111111111': 'key' },
    })}\n`;
    const masked = maskCardDataInJson(line);
    expect(JSON.parse(masked)).toEqual({
      level: 30,
      time: 4111111111111111,
      msg: 'got [card number removed] and cvc: "[removed]"',
      nested: { cvc: '[removed]', cvv: '[removed]', list: ['[card number removed]', '[card number removed]'], 'x [card number removed]': 'key' },
    });
    expect(masked.endsWith('\n')).toBe(true);
    const plain = `${JSON.stringify({ level: 30, time: 1, msg: 'request completed', res: { statusCode: 200 } })}\n`;
    expect(maskCardDataInJson(plain)).toBe(plain);
  });
});

describe('log lines', () => {
  function capture() {
    const lines: string[] = [];
    return { lines, stream: { write: (line: string) => void lines.push(line) } };
  }

  it("the server's logger masks every line", () => {
    const { lines, stream } = capture();
    const log = createLogger('trace', stream);
    log.info({ input: { reference: 'card 4111-1111-1111-1111', cvc: '321' } }, 'echo 5555 5555 5555 4444');
    log.error({ err: new Error('failed for 378282246310005') }, 'boom');
    expect(lines.join('')).not.toMatch(/4111-1111-1111-1111|5555 5555 5555 4444|378282246310005|"cvc":"321"/);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
      { msg: 'echo [card number removed]', input: { reference: 'card [card number removed]', cvc: '[removed]' } },
      { msg: 'boom', err: { message: 'failed for [card number removed]' } },
    ]);
  });

  it('a logger handed in (a test, an embedder) masks every line once the server wraps it, children included', () => {
    const { lines, stream } = capture();
    const log = withRequestFields(withSafeErrors(pino({ level: 'trace' }, stream)));
    log.child({ requestId: 'r1' }).debug({ variables: { pan: '4111111111111111' } }, 'trace 4111 1111 1111 1111');
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: 'r1', msg: 'trace [card number removed]', variables: { pan: '[card number removed]' } });
  });
});
