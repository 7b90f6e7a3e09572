import { timingSafeEqual } from 'node:crypto';
import type { SendResult, WebhookRequest } from './types.ts';

/** Thrown by provider constructors for missing or malformed options. */
export class ProviderConfigError extends Error {
  constructor(provider: string, message: string) {
    super(`${provider} provider: ${message}`);
    this.name = 'ProviderConfigError';
  }
}

export function requireString(provider: string, options: Record<string, unknown> | undefined, key: string): string {
  const value = options?.[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ProviderConfigError(provider, `option "${key}" is required and must be a non-empty string`);
  }
  return value;
}

export function optionalString(
  provider: string,
  options: Record<string, unknown> | undefined,
  key: string,
): string | undefined {
  const value = options?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ProviderConfigError(provider, `option "${key}" must be a non-empty string when given`);
  }
  return value;
}

export function optionalPositiveNumber(
  provider: string,
  options: Record<string, unknown> | undefined,
  key: string,
  fallback: number,
): number {
  const value = options?.[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ProviderConfigError(provider, `option "${key}" must be a positive number`);
  }
  return value;
}

/** An http(s) base URL without a trailing slash. */
export function requireBaseUrl(
  provider: string,
  options: Record<string, unknown> | undefined,
  key: string,
  fallback?: string,
): string {
  const raw = options?.[key] ?? fallback;
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ProviderConfigError(provider, `option "${key}" is required and must be an http(s) URL`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigError(provider, `option "${key}" is not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProviderConfigError(provider, `option "${key}" must use http or https, not ${url.protocol}`);
  }
  if (url.search || url.hash) {
    throw new ProviderConfigError(provider, `option "${key}" must not carry a query string or fragment`);
  }
  return raw.replace(/\/+$/, '');
}

/** Constant-time string comparison (lengths are not secret: they are fixed by the algorithm). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

export function contentType(request: WebhookRequest): string {
  return (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes the body as strict UTF-8; malformed bytes are a payload error. */
export function bodyText(request: WebhookRequest): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(request.rawBody);
  } catch {
    return null;
  }
}

/** `application/x-www-form-urlencoded` into name → values (in order of appearance). */
export function parseForm(text: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(text)) {
    const list = params.get(key);
    if (list) list.push(value);
    else params.set(key, [value]);
  }
  return params;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** Turns an HTTP failure into a SendResult: 408/425/429/5xx may pass on retry, other 4xx will not. */
export function httpFailure(provider: string, status: number, detail: string): SendResult {
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  return { ok: false, retryable, error: `${provider}: HTTP ${status}${detail ? `: ${detail}` : ''}` };
}

/** Network failure or timeout: the request may or may not have arrived; retrying is the safe default. */
export function networkFailure(provider: string, error: unknown): SendResult {
  const name = error instanceof Error ? error.name : '';
  const message =
    error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  const what = name === 'TimeoutError' || name === 'AbortError' ? 'request timed out' : `network error: ${message}`;
  return { ok: false, retryable: true, error: `${provider}: ${what}` };
}

export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeError(body: unknown): string {
  if (isRecord(body)) {
    const parts = [body.code, body.message ?? body.error ?? body['error-text']].filter(
      (p) => p !== undefined && p !== null,
    );
    if (parts.length > 0) return parts.map(String).join(' ');
  }
  if (typeof body === 'string') return body.slice(0, 200);
  return '';
}

/** Replay window check for a Unix-seconds timestamp. */
export function isFresh(timestampSeconds: number, nowMs: number, toleranceMs: number): boolean {
  return Number.isFinite(timestampSeconds) && Math.abs(nowMs - timestampSeconds * 1000) <= toleranceMs;
}
