import { constants } from 'node:zlib';
import type { FastifyCompressOptions } from '@fastify/compress';

/**
 * Response compression when the client asks for it (docs/benchmarks.md has the measurements).
 * A home page of ~31 KB of JSON becomes 2–4 KB. Measured on a home page in one process (issue
 * 14), the cheapest settings cost a fraction of the higher levels for nearly the same bytes:
 * brotli at quality 1 (~0.05 ms per page) and gzip at level 1 (~0.09 ms) against gzip level 4
 * (~0.16 ms, 4% smaller) and brotli quality 4 (~0.19 ms, 18% smaller). So brotli quality 1 is
 * preferred when the client accepts it (it is both cheaper and smaller than gzip level 1), gzip
 * level 1 otherwise (mobile HTTP stacks). Brotli's window is 64 KB (bodies this size need no
 * more; the default 4 MB costs set-up per response). Bodies under ~1 KB (errors, relationships,
 * most POST answers) are sent as they are: the header and the compressor's set-up would
 * outweigh the bytes saved. Bodies up to 64 KB are compressed in one synchronous call (a zlib
 * stream per response costs more than the compression itself at these sizes). Request bodies
 * are never inflated (a deflate bomb would get past the body limit). Streams that the routes
 * hijack (SSE, WebSocket) never pass through here, so events are never buffered by a compressor.
 */
export const compressionOptions: FastifyCompressOptions = {
  global: true,
  globalDecompression: false,
  encodings: ['br', 'gzip'],
  threshold: 1024,
  syncThreshold: 65536,
  brotliOptions: {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: 16 },
  },
  zlibOptions: { level: 1 },
};
