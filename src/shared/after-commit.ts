import { AsyncLocalStorage } from 'node:async_hooks';

/** Tasks that wait for the unit of work in progress to commit (per unit, in order). */
const units = new AsyncLocalStorage<(() => void)[]>();

/**
 * Runs `task` once the unit of work in progress has committed, or now when there is none (then
 * the returned promise is the task's). Inside a unit the task is queued and the promise resolves
 * at once; a unit that fails drops its tasks, since what they would announce never happened.
 * For what must not be seen before it is durable: stream events, waking a dispatcher, e-mail.
 * A queued task's failure is the task's to handle (it runs detached, after its unit answered).
 */
export function afterCommit(task: () => Promise<unknown> | void): Promise<void> {
  const queue = units.getStore();
  if (!queue) return Promise.resolve(task()).then(() => undefined);
  queue.push(() => void task());
  return Promise.resolve();
}

/**
 * Runs `work` as one unit: tasks it defers with `afterCommit` are returned, not run, for the
 * caller to run once the unit's writes are committed (from outside the unit).
 */
export async function collectAfterCommit<T>(work: () => Promise<T>): Promise<{ value: T; tasks: (() => void)[] }> {
  const tasks: (() => void)[] = [];
  const value = await units.run(tasks, work);
  return { value, tasks };
}
