import { afterCommit } from './after-commit.ts';

/**
 * Work that must not delay or shape an answer (sending a code after "we sent you a code
 * if that number has an account"): started now, finished later, failures reported.
 * `idle()` lets shutdown and tests wait until everything started has finished. Inside a unit
 * of work (a group commit of inbound texts) the work starts once the unit has committed.
 */
export class BackgroundWork {
  private readonly pending = new Set<Promise<void>>();

  private readonly reportError: (error: unknown, label: string) => void;
  constructor(reportError: (error: unknown, label: string) => void) {
    this.reportError = reportError;
  }

  run(label: string, work: () => Promise<unknown>): void {
    void afterCommit(() => this.start(label, work));
  }

  private start(label: string, work: () => Promise<unknown>): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => this.reportError(error, label),
      )
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
