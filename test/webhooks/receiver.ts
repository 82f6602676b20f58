// A real webhook receiver for the tests: an HTTP server on 127.0.0.1 that verifies each request's
// signature with the Standard Webhooks reference library (not our own code), and keeps what arrived.
// `answer` decides each response (a status, or `hold` to leave the request hanging).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Received = {
  id: string;
  timestamp: number;
  body: string;
  message: { id: string; type: string; timestamp: string; data: Record<string, any> };
  /** Whether the signature verified with the secret in force when it arrived. */
  verified: boolean;
  path: string;
  /** The status it was answered with; `hold` while (or if never) answered. */
  answered: number | 'hold';
};

export type Receiver = {
  url: (path?: string) => string;
  received: Received[];
  /** The endpoint's secret(s) to verify with (set after registering; several while one is rotated). */
  secrets: string[];
  answer: (r: Received) => number | 'hold';
  /** Releases held requests (answering them with 200), or drops them (`destroy`). */
  releaseHeld(how?: 'answer' | 'destroy'): void;
  held(): number;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const held: Array<{ res: http.ServerResponse; req: http.IncomingMessage }> = [];
  const receiver: Receiver = {
    url: () => '',
    received: [],
    secrets: [],
    answer: () => 200,
    releaseHeld(how = 'answer') {
      for (const { req, res } of held.splice(0)) {
        if (how === 'destroy') req.socket.destroy();
        else res.writeHead(200).end();
      }
    },
    held: () => held.length,
    close: async () => {
      receiver.releaseHeld('destroy');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const verified = receiver.secrets.some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      let message: Received['message'];
      try {
        message = JSON.parse(body) as Received['message'];
      } catch {
        message = { id: '', type: '', timestamp: '', data: {} };
      }
      const entry: Received = {
        id: headers['webhook-id'],
        timestamp: Number(headers['webhook-timestamp']),
        body,
        message,
        verified,
        path: req.url ?? '/',
        answered: 'hold',
      };
      receiver.received.push(entry);
      const decision = receiver.answer(entry);
      entry.answered = decision;
      if (decision === 'hold') held.push({ req, res });
      else res.writeHead(decision, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = (path = '/hook') => `http://127.0.0.1:${port}${path}`;
  return receiver;
}

export { until } from '../helpers/until';
