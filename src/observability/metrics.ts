/**
 * A small Prometheus registry (text exposition format 0.0.4). Sparrow needs a handful
 * of counters, gauges and histograms; every module records through this one registry.
 */
type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelKey = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  constructor(name: string, help: string, type: 'counter' | 'gauge' | 'histogram') {
    this.name = name;
    this.help = help;
    this.type = type;
  }
  abstract lines(): string[];
}

export class Counter extends Metric {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /**
   * One series' incrementer, labelled once: for hot paths that count the same labels again and
   * again (`inc` labels every call anew).
   */
  series(labels: Labels): () => void {
    const key = labelKey(labels);
    return () => {
      this.values.set(key, (this.values.get(key) ?? 0) + 1);
    };
  }
  lines(): string[] {
    return [...this.values].map(([key, value]) => `${this.name}${key ? `{${key}}` : ''} ${value}`);
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, number>();
  private readonly collect?: () => number | Map<Labels, number>;
  constructor(name: string, help: string, collect?: () => number | Map<Labels, number>) {
    super(name, help, 'gauge');
    this.collect = collect;
  }
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }
  lines(): string[] {
    if (this.collect) {
      const collected = this.collect();
      if (typeof collected === 'number') this.values.set('', collected);
      else {
        // A collected map is the whole series: labels no longer in it are gone.
        this.values.clear();
        for (const [labels, value] of collected) this.values.set(labelKey(labels), value);
      }
    }
    return [...this.values].map(([key, value]) => `${this.name}${key ? `{${key}}` : ''} ${value}`);
  }
}

export class Histogram extends Metric {
  private readonly seriesByKey = new Map<string, { buckets: number[]; sum: number; count: number }>();
  private readonly bounds: readonly number[];
  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, 'histogram');
    this.bounds = bounds;
  }
  observe(value: number, labels: Labels = {}): void {
    this.record(this.seriesOf(labelKey(labels)), value);
  }
  /** One series' observer, labelled once (see `Counter.series`). */
  series(labels: Labels): (value: number) => void {
    const s = this.seriesOf(labelKey(labels));
    return (value) => this.record(s, value);
  }
  private seriesOf(key: string): { buckets: number[]; sum: number; count: number } {
    let s = this.seriesByKey.get(key);
    if (!s) {
      s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.seriesByKey.set(key, s);
    }
    return s;
  }
  private record(s: { buckets: number[]; sum: number; count: number }, value: number): void {
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.buckets[i]! += 1;
    s.sum += value;
    s.count += 1;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [key, s] of this.seriesByKey) {
      const prefix = key ? `${key},` : '';
      this.bounds.forEach((bound, i) => out.push(`${this.name}_bucket{${prefix}le="${bound}"} ${s.buckets[i]}`));
      out.push(`${this.name}_bucket{${prefix}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${key ? `{${key}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${key ? `{${key}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly refreshers: (() => Promise<void>)[] = [];

  /** Work to do before each scrape (reading the database for gauges); a failing one keeps its last values. */
  onScrape(refresh: () => Promise<void>): void {
    this.refreshers.push(refresh);
  }

  async refresh(): Promise<void> {
    await Promise.all(this.refreshers.map((refresh) => refresh().catch(() => {})));
  }

  register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) return existing as M;
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: () => number | Map<Labels, number>): Gauge {
    return this.register(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, bounds));
  }

  render(): string {
    const out: string[] = [];
    for (const metric of this.metrics.values()) {
      out.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`, ...metric.lines());
    }
    return `${out.join('\n')}\n`;
  }
}
