// Structured JSON logs (pino). The server logs to stdout; command-line tools log to stderr so their
// stdout stays clean for output (`--json`).
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination: 1 | 2 = 1): Logger {
  return pino({ level, base: { service: 'customer-records-api' } }, pino.destination(destination));
}
