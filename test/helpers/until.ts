// Waiting for something that happens in the background (a webhook, an event that shows once older
// transactions on the server have ended): polls `get` until `ok` holds, or fails naming what it waited for.
export async function until<T>(what: string, get: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await get();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await get();
  }
  return value;
}
