// The real entry point in its own process, for tests about the process itself: that it stays up
// through database faults, how it stops on SIGTERM, how it refuses to start. A crash is seen as the
// process exiting, which an in-process server could not show. It runs dist/src/main.js, as `npm start`
// does (global setup builds it from src/ first): 2.4 s to listening here, from source under tsx 3.9 s.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const projectDir = path.join(__dirname, '../..');

export type ChildServer = {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:40123 (set once the server logs "listening"). */
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGKILL if still running, and wait for the exit. */
  kill(): Promise<void>;
};

/** `npm start`'s program: the compiled entry point. */
export const serverEntry = path.join(projectDir, 'dist/src/main.js');

/**
 * Runs the server with `env` on top of a clean environment (no test-runner NODE_OPTIONS). These tests
 * are about the process, not about limits: the per-token rate limit is off unless `env` turns it on.
 */
export function spawnServer(env: Record<string, string>): Omit<ChildServer, 'baseUrl'> & { listening: Promise<string> } {
  const child = spawn(process.execPath, [serverEntry], {
    cwd: projectDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      HOST: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
      WEBHOOK_DELIVERY: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      resolve(code ?? signal ?? -1);
    });
  });
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${err}\n${out.slice(-4000)}`)));
  });
  listening.catch(() => undefined);
  return {
    child,
    listening,
    stdout: () => out,
    stderr: () => err,
    exited,
    hasExited: () => exitedFlag,
    async kill() {
      if (!exitedFlag) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const spawned = spawnServer(env);
  const baseUrl = await spawned.listening;
  return { ...spawned, baseUrl };
}
