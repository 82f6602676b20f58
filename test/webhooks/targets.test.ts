// @database-independent
// Where webhooks may go (src/webhooks/targets.ts): public addresses; private, loopback, link-local and
// reserved ones only where the configuration allows them, checked on the URL and again on the
// addresses a name resolves to when the request connects.
import { addressAllowed, guardedLookup, refusedTarget } from '../../src/webhooks/targets';

const none = { allowed: [] };

it('allows public unicast addresses and refuses the rest', () => {
  for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) expect([address, addressAllowed(address, none)]).toEqual([address, true]);
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fc00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ]) {
    expect([address, addressAllowed(address, none)]).toEqual([address, false]);
  }
});

it('lets configured addresses and ranges in, and only those', () => {
  const policy = { allowed: ['127.0.0.1', '10.0.0.0/8'] };
  expect(addressAllowed('127.0.0.1', policy)).toBe(true);
  expect(addressAllowed('127.0.0.2', policy)).toBe(false);
  expect(addressAllowed('10.200.0.1', policy)).toBe(true);
  expect(addressAllowed('192.168.0.1', policy)).toBe(false);
});

it('checks URLs: scheme, credentials, literal addresses and local names', () => {
  expect(refusedTarget('https://hooks.example.com/in', none)).toBeNull();
  expect(refusedTarget('http://127.0.0.1:9000/in', none)).toMatch(/private, loopback or reserved/);
  expect(refusedTarget('http://[::1]/in', none)).toMatch(/private, loopback or reserved/);
  expect(refusedTarget('http://localhost:9000/in', none)).toMatch(/this machine/);
  expect(refusedTarget('http://intranet/in', none)).toMatch(/this machine or the local network/);
  expect(refusedTarget('file:///etc/passwd', none)).toMatch(/http/);
  expect(refusedTarget('https://a:b@hooks.example.com/', none)).toMatch(/user name or password/);
  expect(refusedTarget('http://localhost:9000/in', { allowed: ['127.0.0.1'] })).toBeNull();
});

it('refuses, when connecting, a name that resolves to an address not allowed', async () => {
  const lookup = (policy: { allowed: string[] }) =>
    new Promise<{ err: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
      guardedLookup(policy)('localhost', { family: 4 }, (err, address) => resolve({ err, address })),
    );
  const refused = await lookup({ allowed: [] });
  expect(refused.err?.code).toBe('ETARGETREFUSED');
  const allowed = await lookup({ allowed: ['127.0.0.1'] });
  expect(allowed.err).toBeNull();
  expect(allowed.address).toBe('127.0.0.1');
});
