// What a unit of work carries through everything it awaits (a request's log fields, its stop signal,
// its statement counter), in one AsyncLocalStorage with a slot for each. With Node 20's
// AsyncLocalStorage every store in use costs every promise created anywhere a hook call and a
// property copied onto it; a list page creates thousands of promises, so three stores cost three
// times what one does.
//
// A store holds an array: slot i is one kind of value. Running with a slot set copies the current
// array with that slot replaced, so what runs outside `fn` keeps what it had.
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<readonly unknown[]>();
let slots = 0;

export type ContextSlot<T> = {
  /** Runs `fn` (and everything it awaits) with this slot holding `value`; the other slots as they are. */
  run<R>(value: T, fn: () => R): R;
  /** The slot's value for the work running now, if any. */
  get(): T | undefined;
};

/** A new slot; made once per kind of value, at module load. */
export function contextSlot<T>(): ContextSlot<T> {
  const index = slots;
  slots += 1;
  return {
    run(value, fn) {
      const values = storage.getStore()?.slice() ?? [];
      values[index] = value;
      return storage.run(values, fn);
    },
    get() {
      return storage.getStore()?.[index] as T | undefined;
    },
  };
}
