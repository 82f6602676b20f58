import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the tables (`npm run db:generate`) and committed; the server
// applies them at start-up on both the embedded database and PostgreSQL.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
