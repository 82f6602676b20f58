// A customer whose row another connection holds FOR UPDATE until the test releases it: the way a test
// makes a statement wait (a lock). PostgreSQL server only: the embedded database has one connection.
import postgres from 'postgres';
import { parseGlobalId } from '../../src/graph/ids';
import { customerInput, readReference } from './reference';
import type { TestServer } from './server';

export type LockedCustomer = {
  /** The customer's global id. */
  id: string;
  /** Ends the holding transaction (the lock goes) and its connection; once, however often it is called. */
  release(): Promise<void>;
};

/** Creates a customer named `name` through the API and locks its row from a connection of its own. */
export async function lockedCustomer(server: TestServer, token: string, name: string): Promise<LockedCustomer> {
  const ref = await readReference(server, token);
  const created = await server.graphql(
    'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } } }',
    { input: customerInput(ref, { name }) },
    token,
  );
  const id = created.data!.createCustomer.customer.id as string;
  const other = postgres(server.database.url!, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holding = other.begin(async (tx) => {
    await tx`select id from customers where id = ${parseGlobalId(id)!.id} for update`;
    locked();
    await released;
  });
  await Promise.race([isLocked, holding]);
  let ended: Promise<void> | null = null;
  return {
    id,
    release() {
      ended ??= (async () => {
        release();
        try {
          await holding;
        } finally {
          await other.end();
        }
      })();
      return ended;
    },
  };
}
