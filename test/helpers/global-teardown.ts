// Removes the migrated embedded data directory global-setup wrote (the PostgreSQL template stays for the next run to replace).
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATED_DIR_ENV } from './database';

export default function globalTeardown(): void {
  const file = process.env[MIGRATED_DIR_ENV];
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
