import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Strict by default: no inline script or style, nothing from elsewhere, no framing. The
 * pages work without any script; the small scripts under /static only improve them (passkeys
 * alone need script, and the pages say so). `formAction` adds the few places a form may lead
 * beyond this site (the OAuth client's redirect URI after consent).
 */
export function contentSecurityPolicy(
  options: { formAction?: readonly string[]; imgSrc?: readonly string[] } = {},
): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data:", ...(options.imgSrc ?? [])].join(' '),
    "connect-src 'self'",
    ["form-action 'self'", ...(options.formAction ?? [])].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Pages' headers; `policy` adds where images may come from (the S3 bucket's public URL). */
export function securityHeaders(request: FastifyRequest, reply: FastifyReply, policy: string): void {
  void reply.header('content-security-policy', policy);
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'same-origin');
  void reply.header('x-content-type-options', 'nosniff');
  if (!request.url.startsWith('/static/')) void reply.header('cache-control', 'no-store');
}
