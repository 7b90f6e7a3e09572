import { brotliCompressSync, constants, createGzip, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Response compression when the client asks for it (docs/benchmarks.md has the measurements).
 * A home page of ~31 KB of JSON becomes 2–4 KB. Measured on a home page in one process (issue
 * 14), the cheapest settings cost a fraction of the higher levels for nearly the same bytes:
 * brotli at quality 1 (~0.05 ms per page) and gzip at level 1 (~0.09 ms) against gzip level 4
 * (~0.16 ms, 4% smaller) and brotli quality 4 (~0.19 ms, 18% smaller). Brotli's window is 64 KB
 * (bodies this size need no more; the default 4 MB costs set-up per response) and it is told the
 * body's size. Between br and gzip the client's preference decides (highest q, then the order
 * it lists them in).
 *
 * This is one onSend hook rather than @fastify/compress: at these sizes the plugin's
 * per-response work (negotiation, stream and header plumbing) cost ~0.45 ms a page, ten times
 * the compression itself. Only bodies already in memory are compressed, in one synchronous call:
 * strings and Buffers of a compressible type between 1 KB (errors, relationships, most POST
 * answers are sent as they are: the header would outweigh the bytes saved) and 1 MB (larger
 * bodies are sent as they are rather than hold the event loop). Streams (media files, SSE and
 * WebSocket, which hijack the reply and never pass here) are untouched, as are HEAD requests,
 * bodiless statuses (1xx, 204, 304), bodies that carry an ETag (it names the identity bytes) and
 * bodies already encoded. Request bodies are never inflated (a deflate bomb would get past the
 * body limit).
 */
export function registerCompression(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    done(null, compressed(request, reply, payload));
  });
}

const MIN_BYTES = 1024;
const MAX_BYTES = 1024 * 1024;
const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript|xml|[\w.+-]*\+(?:json|xml))|image\/svg\+xml)/i;
const GZIP_OPTIONS = { level: 1 };

/**
 * gzip through one engine kept for the life of the process. `gzipSync` builds a zlib stream
 * object and ~300 KB of native state for every response; V8 counts that memory as external
 * until the object is collected, and the stream objects outlive young-generation collections,
 * so on a server whose heap holds the entity cache (~150 MB at full scale) every few hundred
 * compressed answers cost a full mark-compact of 35–60 ms: a compressed home page cost
 * 0.25–0.55 ms more than a plain one while compressing it costs ~0.09 ms (docs/benchmarks.md).
 * The kept engine is reset and fed the body in one synchronous call through its handle, the
 * way `gzipSync` drives a fresh one; the result is copied out of a kept output buffer. Node
 * offers no public call for this, so the handle's shape is checked, and whatever it does not
 * fit (a body whose compressed form exceeds the buffer, an engine that failed) goes through
 * `gzipSync` as before.
 */
interface ZlibHandle {
  reset(): void;
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
}
const KEPT_OUTPUT_BYTES = 128 * 1024;
let keptGzip: { engine: { _handle?: ZlibHandle | null }; state: Uint32Array; output: Buffer } | null | undefined;

export function gzipBody(body: Buffer): Buffer {
  if (keptGzip === undefined) keptGzip = keepGzipEngine();
  const handle = keptGzip?.engine._handle;
  if (!keptGzip || !handle) return gzipSync(body, GZIP_OPTIONS);
  const { state, output } = keptGzip;
  try {
    handle.reset();
    handle.writeSync(constants.Z_FINISH, body, 0, body.byteLength, output, 0, output.byteLength);
  } catch {
    keptGzip = null;
    return gzipSync(body, GZIP_OPTIONS);
  }
  const [outputLeft, inputLeft] = [state[0]!, state[1]!];
  // Output space left over means the stream is finished: all of it is in the buffer.
  if (inputLeft !== 0 || outputLeft === 0) return gzipSync(body, GZIP_OPTIONS);
  const compressed = Buffer.allocUnsafe(output.byteLength - outputLeft);
  output.copy(compressed, 0, 0, compressed.byteLength);
  return compressed;
}

function keepGzipEngine(): typeof keptGzip {
  const engine = createGzip(GZIP_OPTIONS) as unknown as {
    _handle?: ZlibHandle | null;
    _writeState?: unknown;
    on(event: 'error', listener: () => void): void;
  };
  const handle = engine._handle;
  if (typeof handle?.reset !== 'function' || typeof handle.writeSync !== 'function') return null;
  if (!(engine._writeState instanceof Uint32Array)) return null;
  // An error destroys the engine (its handle goes): later bodies take gzipSync.
  engine.on('error', () => {
    keptGzip = null;
  });
  return { engine, state: engine._writeState, output: Buffer.allocUnsafe(KEPT_OUTPUT_BYTES) };
}

function compressed(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size < MIN_BYTES || size > MAX_BYTES) return payload;
  const status = reply.statusCode;
  if (status < 200 || status === 204 || status === 304) return payload;
  const type = reply.getHeader('content-type');
  if (typeof type !== 'string' || !COMPRESSIBLE.test(type)) return payload;
  if (reply.hasHeader('content-encoding') || reply.hasHeader('etag')) return payload;
  // The answer depends on Accept-Encoding from here on, whichever encoding is chosen.
  const vary = reply.getHeader('vary');
  if (vary === undefined) void reply.header('vary', 'Accept-Encoding');
  else if (!/accept-encoding|\*/i.test(String(vary))) void reply.header('vary', `${String(vary)}, Accept-Encoding`);
  if (request.method === 'HEAD') return payload;
  const encoding = chooseEncoding(request.headers['accept-encoding']);
  if (encoding === null) return payload;
  const body =
    encoding === 'br'
      ? brotliCompressSync(payload, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 1,
            [constants.BROTLI_PARAM_LGWIN]: 16,
            [constants.BROTLI_PARAM_SIZE_HINT]: size,
          },
        })
      : gzipBody(typeof payload === 'string' ? Buffer.from(payload) : payload);
  void reply.header('content-encoding', encoding).header('content-length', body.byteLength);
  return body;
}

/**
 * br or gzip as the Accept-Encoding header asks (RFC 9110 §12.5.3): the highest q above 0, a
 * tie going to the one listed first; `*` stands for any coding not named. null: send as is.
 */
function chooseEncoding(header: string | string[] | undefined): 'br' | 'gzip' | null {
  if (typeof header !== 'string' || header === '') return null;
  let br = -1;
  let gzip = -1;
  let star = -1;
  let brAt = 0;
  let gzipAt = 0;
  let position = 0;
  for (const part of header.split(',')) {
    position += 1;
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') q = Number(value?.trim());
    }
    if (!(q >= 0 && q <= 1)) continue;
    if (name === 'br') [br, brAt] = [q, position];
    else if (name === 'gzip' || name === 'x-gzip') [gzip, gzipAt] = [q, position];
    else if (name === '*') star = q;
  }
  if (br < 0 && star >= 0) [br, brAt] = [star, position + 1];
  if (gzip < 0 && star >= 0) [gzip, gzipAt] = [star, position + 1];
  if (br <= 0 && gzip <= 0) return null;
  if (br > gzip || (br === gzip && brAt < gzipAt)) return 'br';
  return 'gzip';
}
