import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';

/**
 * A small but real SMSC, built with the SMPP server of the same package: checks bind
 * credentials, answers submit_sm with message ids, can deliver_sm to the bound ESME, and can
 * misbehave on demand (drop connections, ignore enquire_link, refuse submits).
 */
export class FakeSmsc {
  readonly submits: PDU[] = [];
  readonly binds: { systemId: string; password: string; ok: boolean }[] = [];
  enquireLinks = 0;
  unbinds = 0;
  ignoreEnquireLink = false;
  /** Decides the answer to a submit_sm; default: accept with the next id. */
  onSubmit: (pdu: PDU) => { command_status?: number; message_id?: string } | null = () => ({
    message_id: `msg-${this.submits.length}`,
  });
  private readonly server: smpp.Server;
  private readonly sessions = new Set<Session>();
  private bound: Session | null = null;

  readonly systemId: string;
  readonly password: string;
  constructor(systemId = 'sparrow', password = 'secret') {
    this.systemId = systemId;
    this.password = password;
    this.server = smpp.createServer((session) => {
      this.sessions.add(session);
      session.on('error', () => {});
      session.on('close', () => {
        this.sessions.delete(session);
        if (this.bound === session) this.bound = null;
      });
      session.on('bind_transceiver', (pdu: PDU) => {
        const ok = pdu.system_id === this.systemId && pdu.password === this.password;
        this.binds.push({ systemId: String(pdu.system_id), password: String(pdu.password), ok });
        if (!ok) {
          session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
          session.close();
          return;
        }
        session.send(pdu.response({ system_id: 'FAKESMSC' }));
        this.bound = session;
      });
      session.on('submit_sm', (pdu: PDU) => {
        if (this.bound !== session) {
          session.send(pdu.response({ command_status: 0x04 }));
          return;
        }
        this.submits.push(pdu);
        const answer = this.onSubmit(pdu);
        if (answer) session.send(pdu.response(answer));
      });
      session.on('enquire_link', (pdu: PDU) => {
        this.enquireLinks += 1;
        if (!this.ignoreEnquireLink) session.send(pdu.response());
      });
      session.on('unbind', (pdu: PDU) => {
        this.unbinds += 1;
        session.send(pdu.response());
        session.close();
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(password = this.password, systemId = this.systemId): string {
    return `smpp://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  get isBound(): boolean {
    return this.bound !== null;
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    return this;
  }

  /** Sends a deliver_sm to the bound ESME and resolves with its deliver_sm_resp. */
  deliver(params: Record<string, unknown>): Promise<PDU> {
    const session = this.bound;
    if (!session) return Promise.reject(new Error('no bound ESME'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no deliver_sm_resp')), 3000);
      session.deliver_sm(params, (resp) => {
        clearTimeout(timer);
        resolve(resp);
      });
    });
  }

  /** Drops every connection without an unbind, like a crashed SMSC or a broken link. */
  dropAll(): void {
    for (const s of this.sessions) s.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
