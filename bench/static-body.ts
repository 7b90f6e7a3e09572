/** A JSON body of `bytes` bytes standing for a page of statuses: what the reference servers answer. */
export function staticBody(bytes: number): Buffer {
  const item = '{"id":"109000000000000000","content":"<p>rain market matatu school harvest</p>"},';
  return Buffer.from(`[${item.repeat(Math.ceil(bytes / item.length)).slice(0, Math.max(0, bytes - 3))}{}]`);
}
