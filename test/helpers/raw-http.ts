// HTTP/1.1 over a raw TCP socket, for tests that need what fetch hides: a body cut anywhere, several
// requests on one keep-alive connection, and whether the server closed the connection.
import net from 'node:net';

export type RawResponse = { status: number; headers: Record<string, string>; body: string };

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  /** True once the server has closed (or reset) the connection. */
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    const close = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('end', close);
    socket.on('close', close);
    // A reset after the server answered is expected when it closes a connection with unread bytes.
    socket.on('error', close);
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitFor<T>(take: () => T | null, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take();
      if (got !== null) return got;
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** The status line and headers of the next response (the body is left for `readBody`). */
  async readHead(timeoutMs = 10_000): Promise<{ status: number; headers: Record<string, string> }> {
    return this.waitFor(
      () => {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return null;
        const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        this.buffer = this.buffer.subarray(end + 4);
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        return { status: Number(statusLine!.split(' ')[1]), headers };
      },
      timeoutMs,
      'a response',
    );
  }

  /** The body of a response whose head was read: by Content-Length, chunked, or to the close. */
  async readBody(headers: Record<string, string>, timeoutMs = 10_000): Promise<string> {
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      return this.waitFor(
        () => {
          if (this.buffer.length < length) return null;
          const body = this.buffer.subarray(0, length).toString('utf8');
          this.buffer = this.buffer.subarray(length);
          return body;
        },
        timeoutMs,
        'the body',
      );
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      return this.waitFor(
        () => {
          const parts: Buffer[] = [];
          let at = 0;
          for (;;) {
            const lineEnd = this.buffer.indexOf('\r\n', at);
            if (lineEnd < 0) return null;
            const size = parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
            if (size === 0) {
              if (this.buffer.length < lineEnd + 4) return null;
              this.buffer = this.buffer.subarray(lineEnd + 4);
              return Buffer.concat(parts).toString('utf8');
            }
            if (this.buffer.length < lineEnd + 2 + size + 2) return null;
            parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
          }
        },
        timeoutMs,
        'the chunked body',
      );
    }
    await this.waitFor(() => (this.closed ? true : null), timeoutMs, 'the end of the body').catch(() => undefined);
    const body = this.buffer.toString('utf8');
    this.buffer = Buffer.alloc(0);
    return body;
  }

  async readResponse(timeoutMs = 10_000): Promise<RawResponse> {
    const head = await this.readHead(timeoutMs);
    return { ...head, body: await this.readBody(head.headers, timeoutMs) };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A multipart/form-data body built part by part, so a test can cut it anywhere. */
export class MultipartBody {
  readonly boundary = `----test-boundary-${Math.random().toString(36).slice(2)}`;
  private parts: Buffer[] = [];

  field(name: string, value: string): this {
    this.parts.push(Buffer.from(`--${this.boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    return this;
  }

  file(name: string, filename: string, contentType: string, bytes: string | Buffer): this {
    this.parts.push(
      Buffer.concat([
        Buffer.from(`--${this.boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: ${contentType}\r\n\r\n`),
        Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
        Buffer.from('\r\n'),
      ]),
    );
    return this;
  }

  /** The whole body, with its closing boundary. */
  complete(): Buffer {
    return Buffer.concat([...this.parts, Buffer.from(`--${this.boundary}--\r\n`)]);
  }

  /** The body cut `dropBytes` bytes before the end of the last part: no closing boundary. */
  truncated(dropBytes = 10): Buffer {
    const all = Buffer.concat(this.parts);
    return all.subarray(0, all.length - dropBytes);
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }
}

/** The request line and headers of a POST whose body is exactly `length` bytes, on a keep-alive connection. */
export function postHead(path: string, options: { token?: string | null; contentType: string; length: number; extra?: Record<string, string> }): string {
  const lines = [
    `POST ${path} HTTP/1.1`,
    'host: localhost',
    'connection: keep-alive',
    `content-type: ${options.contentType}`,
    `content-length: ${options.length}`,
  ];
  if (options.token) lines.push(`authorization: Bearer ${options.token}`);
  for (const [k, v] of Object.entries(options.extra ?? {})) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
