// What the command-line tools do, as plain functions of an open database. The CLI runs them itself
// when it can open the database, or asks the running server to run these same functions in its
// process when the server holds the embedded data directory (endpoint.ts): either way one code path.
// Arguments arrive as JSON over HTTP too, so they are checked here.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client';
import { parseGlobalId, toGlobalId } from '../graph/ids';
import { createOrganisation } from '../organisations/service';
import { organisations } from '../tenancy/tables';

/** A refusal to report as is (bad arguments, a failed rule), as opposed to a bug. */
export class CommandError extends Error {}

const createOrganisationArgs = z.object({
  name: z.string(),
  adminEmail: z.string(),
  adminName: z.string().optional(),
  currency: z.string().optional(),
});

const seedArgs = z.object({
  customers: z.number().int().min(1),
  organisation: z.string().optional(),
  batchSize: z.number().int().min(1).max(10_000).default(1000),
});

export type CommandProgress = (event: { done: number; total: number }) => void;

export const commands = {
  'create-organisation': async (database: Database, raw: unknown) => {
    const args = parse(createOrganisationArgs, raw);
    let created;
    try {
      created = await createOrganisation(database.db, args);
    } catch (error) {
      throw new CommandError(`Could not create the organisation: ${(error as Error).message}`);
    }
    return {
      organisationId: toGlobalId('Organisation', created.organisation.id),
      userId: toGlobalId('User', created.admin.id),
      token: created.token,
      organisationName: created.organisation.name,
      adminEmail: created.admin.email,
    };
  },

  seed: async (database: Database, raw: unknown, progress?: CommandProgress, signal?: AbortSignal) => {
    const args = parse(seedArgs, raw);
    // Loaded when seeding, not with the server: the fake-data library is large.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { generateCustomers } = require('../demo/bulk') as typeof import('../demo/bulk');
    const { createDemoOrganisation, DEMO_ORGANISATION_NAME } = require('../demo/demo-organisation') as typeof import('../demo/demo-organisation');
    /* eslint-enable @typescript-eslint/no-require-imports */
    let organisationId: string;
    if (args.organisation) {
      const parsed = parseGlobalId(args.organisation);
      if (parsed?.type !== 'Organisation') throw new CommandError(`--organisation: ${args.organisation} is not an Organisation ID`);
      const [found] = await database.db.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, parsed.id)).limit(1);
      if (!found) throw new CommandError(`--organisation: no organisation ${args.organisation}`);
      organisationId = found.id;
    } else {
      const [demo] = await database.db.select().from(organisations).where(eq(organisations.name, DEMO_ORGANISATION_NAME)).limit(1);
      organisationId = demo?.id ?? (await createDemoOrganisation(database.db));
    }
    await generateCustomers(database.db, {
      organisationId,
      count: args.customers,
      batchSize: args.batchSize,
      onProgress: (done) => {
        // Each batch is its own transaction: stopping between two keeps what is written whole.
        if (signal?.aborted) throw new CommandError(`stopped after ${done} customers: the command was cancelled`);
        progress?.({ done, total: args.customers });
      },
    });
    return { organisationId: toGlobalId('Organisation', organisationId), customers: args.customers };
  },

  migrate: async (database: Database) => {
    await database.migrate();
    return { database: database.kind };
  },
} satisfies Record<string, (database: Database, args: unknown, progress?: CommandProgress, signal?: AbortSignal) => Promise<unknown>>;

export type CommandName = keyof typeof commands;
export type CommandResult<C extends CommandName> = Awaited<ReturnType<(typeof commands)[C]>>;

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name);
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CommandError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}
