// A listener's messages as an async iterator, for a subscription's `subscribe` generator: pushed by
// the broker's callback, pulled by graphql-ws. A subscriber that falls more than `limit` messages
// behind is ended with an error rather than left to grow the process's memory without bound.
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private done = false;
  private failure: unknown = null;

  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void = () => undefined,
  ) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.items.length > this.limit) this.fail(new Error(`The subscription fell more than ${this.limit} messages behind and was ended.`));
  }

  /** Ends the iteration with `error` once what is queued has been read. */
  fail(error: unknown): void {
    if (this.done) return;
    this.failure = error;
    this.items.length = 0;
    this.end();
    if (this.waiting) {
      const { reject } = this.waiting;
      this.waiting = null;
      reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    if (this.waiting) {
      this.waiting.resolve({ value: undefined, done: true });
      this.waiting = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
  }
}
