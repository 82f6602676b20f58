// What can stop the server from starting, said in one line that names the variable to change: a
// port that is taken (checked before any database is opened, so nothing is written) and a
// DATABASE_URL that cannot be reached. Anything else is a bug and keeps its stack trace.
import type http from 'node:http';
import { connectionCause } from './db/faults';

/** A start-up failure the operator can fix; main prints its message alone and exits non-zero. */
export class StartupError extends Error {}

/** Listens on PORT/HOST, or rejects with a StartupError that names them. */
export function listenOrExplain(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(err, port, host));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new StartupError(
        `Cannot listen on ${where}: port ${port} is already in use (EADDRINUSE). Set PORT to a free port, or stop the process that uses it.`,
      );
    case 'EACCES':
      return new StartupError(`Cannot listen on ${where}: permission denied (EACCES). Set PORT to a port above 1023, or grant the privilege.`);
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `Cannot listen on ${where}: no such address on this machine (EADDRNOTAVAIL). Set HOST to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0.`,
      );
    default:
      return err;
  }
}

/** Answers 503 while the database is opened and migrated, after the port is bound (liveness: 200). */
export function startingUpResponder(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
  res.end(JSON.stringify({ status: 'starting' }));
}

/** The URL with its password hidden, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** The first PostgreSQL server error (SQLSTATE and message) in a cause chain. */
function serverError(error: unknown): { code: string; message: string } | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, message, severity } = current as { code?: unknown; message?: unknown; severity?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return { code, message: String(message) };
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** A StartupError naming DATABASE_URL and the cause when the server could not be reached or refused us; null otherwise. */
export function databaseStartFailure(error: unknown, url: string): StartupError | null {
  const target = redactedUrl(url);
  const prefix = `Cannot use the database at DATABASE_URL=${target}:`;
  const rejected = serverError(error);
  if (rejected) {
    const what =
      rejected.code === '28P01' || rejected.code === '28000'
        ? `authentication failed (${rejected.message}). Check the user and password in DATABASE_URL.`
        : rejected.code === '3D000'
          ? `${rejected.message}. Create it (createdb) or fix the database name in DATABASE_URL.`
          : `${rejected.message} (SQLSTATE ${rejected.code}).`;
    return new StartupError(`${prefix} ${what}`);
  }
  const code = connectionCause(error);
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    // shown as the URL anyway
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new StartupError(`${prefix} connection refused (ECONNREFUSED). Is PostgreSQL running and listening there?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`${prefix} host ${host} not found (${code}). Check the host name in DATABASE_URL.`);
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new StartupError(`${prefix} no answer from ${host} (${code}). Check the host, the port and the network.`);
    case 'ECONNRESET':
    case 'CONNECTION_CLOSED':
    case 'CONNECTION_DESTROYED':
      return new StartupError(`${prefix} the connection was closed while starting (${code}). Check that the URL names a PostgreSQL server.`);
    default:
      return null;
  }
}
