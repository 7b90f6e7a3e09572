/**
 * Readiness behind `GET /healthz`: the instance is ready when every dependency it cannot
 * serve without answers. Each dependency is a probe implemented by its adapter (the
 * database's lives in src/store/), so the HTTP layer never touches them itself.
 */
export interface HealthProbe {
  /** Rejects when the dependency cannot be used. */
  probe(): Promise<void>;
}

export class Health {
  private readonly probes: readonly HealthProbe[];

  constructor(probes: readonly HealthProbe[]) {
    this.probes = probes;
  }

  async ready(): Promise<boolean> {
    try {
      await Promise.all(this.probes.map((p) => p.probe()));
      return true;
    } catch {
      return false;
    }
  }
}
