/**
 * Types for the parts of `smpp` (node-smpp 0.5, which ships none) that Sparrow uses.
 * PDU fields are named as in the SMPP specification; field values are loosely typed
 * because the library decodes them by command.
 */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    export interface DecodedMessage {
      message: string | Buffer;
      udh?: Buffer[];
    }

    export interface PDU {
      command: string;
      command_id: number;
      command_length: number;
      command_status: number;
      sequence_number: number;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
      [field: string]: unknown;
    }

    export const PDU: {
      new (command: string, options?: Record<string, unknown>): PDU;
      maxLength: number;
    };

    export type ResponseCallback = (pdu: PDU) => void;
    type Shortcut = (
      options?: Record<string, unknown>,
      responseCallback?: ResponseCallback,
      sendCallback?: ResponseCallback,
    ) => boolean;

    export class Session extends EventEmitter {
      socket: Socket;
      server?: Server;
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
      bind_transceiver: Shortcut;
      submit_sm: Shortcut;
      deliver_sm: Shortcut;
      enquire_link: Shortcut;
      unbind: Shortcut;
    }

    export interface ConnectOptions {
      url?: string;
      host?: string;
      port?: number;
      tls?: boolean;
      auto_enquire_link_period?: number;
      [option: string]: unknown;
    }

    export function connect(options: ConnectOptions, listener?: () => void): Session;

    export class Server extends NetServer {
      sessions: Session[];
    }

    export function createServer(listener?: (session: Session) => void): Server;
    export function createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;

    export const ESME_ROK: number;
    export const ESME_RBINDFAIL: number;
    export const ESME_RINVPASWD: number;
    export const ESME_RINVSYSID: number;
    export const ESME_RTHROTTLED: number;
    export const ESME_RMSGQFUL: number;
    export const ESME_RSYSERR: number;
    export const ESME_RINVDSTADR: number;
    export const ESME_RX_T_APPN: number;
    export const errors: Record<string, number>;
  }

  export = smpp;
}
