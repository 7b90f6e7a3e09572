import { constants } from 'node:zlib';
import type { FastifyCompressOptions } from '@fastify/compress';

/**
 * Response compression when the client asks for it (docs/benchmarks.md has the measurements).
 * A home page of ~31 KB of JSON becomes ~3 KB. Measured per request in one bench run, gzip
 * (level 4) added ~0.4 ms of server CPU and brotli (quality 4) ~1 ms for 6% fewer bytes than
 * gzip, so gzip is preferred whenever the client accepts it (browsers and mobile HTTP stacks
 * all do); brotli is used only for a client that accepts nothing else. Bodies under ~1 KB (errors, relationships, most POST answers)
 * are sent as they are: the header and the compressor's set-up would outweigh the bytes saved.
 * Bodies up to 64 KB are compressed in one synchronous call (a zlib stream per response costs
 * more than the compression itself at these sizes). Request bodies are never inflated (a
 * deflate bomb would get past the body limit). Streams that the routes hijack (SSE,
 * WebSocket) never pass through here, so events are never buffered by a compressor.
 */
export const compressionOptions: FastifyCompressOptions = {
  global: true,
  globalDecompression: false,
  encodings: ['gzip', 'br'],
  threshold: 1024,
  syncThreshold: 65536,
  brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
  zlibOptions: { level: 4 },
};
