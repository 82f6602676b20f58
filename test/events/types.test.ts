// @database-independent
// Event types are named on purpose: every audit action written in src/ has its verb in the table of
// past tenses (src/events/types.ts), so no event type is an accident of a new action's spelling.
import fs from 'node:fs';
import path from 'node:path';
import { eventTypeOf, eventVerbs, matchesEventTypes } from '../../src/events/types';

const src = path.join(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((e) => (e.isFile() && e.name.endsWith('.ts') ? [path.join(e.parentPath, e.name)] : []));
}

it('every audit action in src/ has its verb in the table', () => {
  const actions = new Set<string>();
  for (const file of sourceFiles(src)) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/action: '([a-zA-Z]+\.[a-zA-Z]+)'/g)) actions.add(m[1]!);
  }
  expect(actions.size).toBeGreaterThan(100);
  const unnamed = [...actions].filter((a) => !(a.split('.')[1]! in eventVerbs));
  expect(unnamed).toEqual([]);
});

it('names events in the past tense, and matches types and kinds', () => {
  expect(eventTypeOf('customer.changeStatus')).toBe('customer.statusChanged');
  expect(eventTypeOf('lead.convert')).toBe('lead.converted');
  expect(eventTypeOf('customer.merge')).toBe('customer.merged');
  expect(eventTypeOf('invoice.issue')).toBe('invoice.issued');
  expect(matchesEventTypes('invoice.issued', [])).toBe(true);
  expect(matchesEventTypes('invoice.issued', ['invoice.*'])).toBe(true);
  expect(matchesEventTypes('invoiceAddress.created', ['invoice.*'])).toBe(false);
  expect(matchesEventTypes('invoice.issued', ['invoice.voided'])).toBe(false);
});
