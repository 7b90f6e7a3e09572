import { constants } from 'node:zlib';
import type { FastifyCompressOptions } from '@fastify/compress';

/**
 * Response compression when the client asks for it (docs/benchmarks.md has the measurements).
 * A home page of ~31 KB of JSON becomes 2–6 KB; at the levels below that costs ~0.06–0.09 ms
 * of CPU per page, less than writing the uncompressed bytes to the socket. Brotli at quality
 * 4 is smaller than gzip for the same CPU, so it is preferred when offered (browsers); mobile
 * HTTP stacks ask for gzip. Bodies under ~1 KB (errors, relationships, most POST answers)
 * are sent as they are: the header and the compressor's set-up would outweigh the bytes saved.
 * Bodies up to 64 KB are compressed in one synchronous call (a zlib stream per response costs
 * more than the compression itself at these sizes). Request bodies are never inflated (a
 * deflate bomb would get past the body limit). Streams that the routes hijack (SSE,
 * WebSocket) never pass through here, so events are never buffered by a compressor.
 */
export const compressionOptions: FastifyCompressOptions = {
  global: true,
  globalDecompression: false,
  encodings: ['br', 'gzip'],
  threshold: 1024,
  syncThreshold: 65536,
  brotliOptions: { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } },
  zlibOptions: { level: 4 },
};
