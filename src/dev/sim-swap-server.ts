import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface SimSwapSimulatorOptions {
  /** Bearer token clients must present; null accepts any request (local development). */
  token: string | null;
  /** Numbers whose SIM changed, with when (ISO 8601). */
  swaps?: Record<string, string>;
  /** Base path, as a carrier would expose it. */
  basePath?: string;
}

/**
 * A small carrier stand-in implementing the CAMARA SIM Swap API (`POST {base}/check`,
 * `POST {base}/retrieve-date`, with CAMARA's error shape) for development and tests.
 * `POST {base}/_simulate` `{ phoneNumber, swappedAt | null }` changes a number's history
 * while it runs. Not for production use.
 */
export class SimSwapSimulator {
  readonly swaps = new Map<string, Date>();
  requests = 0;
  private server: Server | null = null;
  private readonly basePath: string;

  private readonly options: SimSwapSimulatorOptions;
  constructor(options: SimSwapSimulatorOptions) {
    this.options = options;
    this.basePath = (options.basePath ?? '/sim-swap/v0').replace(/\/+$/, '');
    for (const [number, at] of Object.entries(options.swaps ?? {})) this.swaps.set(number, new Date(at));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('simulator is not listening');
    return `http://127.0.0.1:${address.port}${this.basePath}`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string) => send(status, { status, code, message });
    if (req.method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'Use POST');
    if (this.options.token !== null) {
      const given = Buffer.from(req.headers.authorization ?? '');
      const expected = Buffer.from(`Bearer ${this.options.token}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return error(
          401,
          'UNAUTHENTICATED',
          'Request not authenticated due to missing, invalid, or expired credentials.',
        );
    }
    let raw = '';
    for await (const chunk of req) {
      raw += String(chunk);
      if (raw.length > 10_000) return error(400, 'INVALID_ARGUMENT', 'Body too large');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      return error(400, 'INVALID_ARGUMENT', 'Client specified an invalid argument, request body or query param.');
    }
    this.requests += 1;
    const phoneNumber = body.phoneNumber;
    if (typeof phoneNumber !== 'string' || !/^\+[1-9][0-9]{4,14}$/.test(phoneNumber)) {
      return error(400, 'INVALID_ARGUMENT', 'phoneNumber must be in E.164 format');
    }
    const path = (req.url ?? '').split('?')[0];
    const swappedAt = this.swaps.get(phoneNumber) ?? null;
    if (path === `${this.basePath}/check`) {
      const maxAge = body.maxAge ?? 240;
      if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 1 || maxAge > 2400) {
        return error(400, 'OUT_OF_RANGE', 'maxAge must be an integer from 1 to 2400 (hours)');
      }
      const swapped = swappedAt !== null && Date.now() - swappedAt.getTime() <= maxAge * 3600_000;
      return send(200, { swapped });
    }
    if (path === `${this.basePath}/retrieve-date`) {
      return send(200, { latestSimChange: swappedAt?.toISOString() ?? null });
    }
    if (path === `${this.basePath}/_simulate`) {
      const at = body.swappedAt;
      if (at === null) this.swaps.delete(phoneNumber);
      else if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) this.swaps.set(phoneNumber, new Date(at));
      else return error(400, 'INVALID_ARGUMENT', 'swappedAt must be an ISO 8601 date or null');
      return send(200, { phoneNumber, swappedAt: at });
    }
    return error(404, 'NOT_FOUND', 'The specified resource is not found.');
  }
}
