import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the tables (`npm run db:generate`) and committed; the server
// applies them at start-up on both the embedded database and PostgreSQL.
export default defineConfig({
  dialect: 'postgresql',
  // Every folder keeps its tables in its own tables.ts: a new area's tables are found without a list.
  schema: './src/*/tables.ts',
  out: './drizzle',
});
