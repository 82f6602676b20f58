// How a plain HTTP route (documents, PDFs) refuses a request: GraphQL's error shape, so clients read
// one kind of error whichever way they came in. Once the answer has started, the connection is cut.
import type { Response } from 'express';

export function refuse(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
