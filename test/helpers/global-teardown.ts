// Removes the embedded snapshot global-setup wrote (the PostgreSQL template stays for the next run to replace).
import fs from 'node:fs';
import path from 'node:path';
import { SNAPSHOT_ENV } from './database';

export default function globalTeardown(): void {
  const file = process.env[SNAPSHOT_ENV];
  if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
