// Graceful stop of the HTTP server. Readiness turns 503 first (load balancers stop sending); every
// request already sent to the server is answered: those running, those queued behind them (even in
// the kernel's listen backlog), and one arriving on a kept-alive connection while the server drains
// (answered with `Connection: close`). Only when nothing is pending — no request running, no bytes of
// a next request read, no activity for a short grace period — does it stop accepting and close the
// connections. Node's own server.close() (and Apollo's drain plugin) stop listening and close idle
// connections at once, resetting requests that were already on their way.
import type http from 'node:http';
import net from 'node:net';

type ConnectionState = { pending: number; quietBytes: number };

export type HttpDrain = {
  /** True from begin(): /readyz answers 503 and every response asks the client to close. */
  readonly draining: boolean;
  begin(): void;
  /**
   * Stops accepting connections and resolves once every received request is answered and every
   * connection is closed. After `timeoutMs` the remaining connections are destroyed (resolves false).
   */
  drain(options: { idleGraceMs: number; timeoutMs: number }): Promise<boolean>;
};

export function httpDrain(server: http.Server): HttpDrain {
  let draining = false;
  let lastActivity = Date.now();
  const connections = new Map<net.Socket, ConnectionState>();

  server.on('connection', (socket: net.Socket) => {
    connections.set(socket, { pending: 0, quietBytes: 0 });
    // A new connection's request may not have been read yet: it counts as activity.
    lastActivity = Date.now();
    socket.once('close', () => connections.delete(socket));
  });
  // Registered before the app's listener, so the header is set before any response starts.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = connections.get(req.socket);
    if (state) state.pending += 1;
    lastActivity = Date.now();
    if (draining) res.setHeader('connection', 'close');
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      lastActivity = Date.now();
      if (state) {
        state.pending -= 1;
        state.quietBytes = req.socket.bytesRead;
      }
    };
    res.once('finish', finished);
    res.once('close', finished);
  });

  const quiet = (socket: net.Socket, state: ConnectionState) => state.pending === 0 && socket.bytesRead <= state.quietBytes;

  return {
    get draining() {
      return draining;
    },
    begin() {
      draining = true;
    },
    async drain({ idleGraceMs, timeoutMs }) {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      // Asserted, not annotated: stopAccepting (a closure) sets it, so the checker must not narrow it to null.
      let closed = null as Promise<void> | null;
      const stopAccepting = () => {
        // net.Server#close: stop accepting, leave open connections alone (see the module comment).
        closed ??= server.listening ? new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve())) : Promise.resolve();
      };
      for (;;) {
        const busy = [...connections].some(([socket, state]) => !quiet(socket, state));
        // The listener stays open while requests run: under load, connections the kernel completed
        // (their requests sent) wait in the listen backlog and are accepted one by one; closing the
        // listener then would reset them. Once quiet, the backlog is empty and nothing is lost.
        if (!busy && Date.now() - lastActivity >= idleGraceMs) {
          stopAccepting();
          for (const socket of connections.keys()) socket.end();
          if (connections.size === 0) break;
        }
        if (Date.now() >= deadline) {
          stopAccepting();
          for (const socket of connections.keys()) socket.destroy();
          await closed;
          stopConnectionsCheck(server);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await closed;
      stopConnectionsCheck(server);
      return true;
    },
  };
}

/**
 * An HTTP server checks its connections' header and request timeouts on an interval (30 s) that it
 * starts when it listens and that only http's own close() stops; net's close, used above, leaves it
 * running for the life of the process, and with it the server and everything its listeners reach
 * (a heap snapshot of the test suite showed every stopped test server held by it). Once the listener
 * is closed and no connection is left, http's close() does only that: there is nothing to stop
 * accepting and no idle connection to close. (It emits 'close' a second time, which nothing here
 * listens to.)
 */
function stopConnectionsCheck(server: http.Server): void {
  if (!server.listening) server.close();
}
