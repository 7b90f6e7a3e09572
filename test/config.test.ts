import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

describe('configuration', () => {
  it('defaults to the embedded store, console SMS and port 3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database.engine).toBe('sqlite');
    expect(config.database.location).toMatch(/data\/sparrow\.sqlite$/);
    expect(config.smsProvider).toBe('console');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.domain).toBe('localhost:3000');
  });

  it('reports every bad value at once, each with the variable name', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SPARROW_DATABASE_URL: 'mysql://x',
        SPARROW_SMS_PROVIDER: 'pigeon',
        SPARROW_PUBLIC_URL: 'not a url',
        SPARROW_LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'SPARROW_DATABASE_URL',
      'SPARROW_SMS_PROVIDER',
      'SPARROW_PUBLIC_URL',
      'SPARROW_LOG_LEVEL',
    ])
      expect(problems).toContain(name);
  });

  it('validates the code-failure and flood settings, and keeps the lock after the wait', () => {
    const config = loadConfig({});
    expect(config.security.codeFailures).toEqual({ beforeWait: 5, beforeLock: 10, lockMs: 24 * 3600_000 });
    expect(config.security.flood).toMatchObject({ windowMs: 60_000, perBlock: 10, perCountry: 30, countries: 8 });
    let error: unknown;
    try {
      loadConfig({
        SPARROW_SECURITY_CODE_FAILURES_BEFORE_WAIT: '8',
        SPARROW_SECURITY_CODE_FAILURES_BEFORE_LOCK: '6',
        SPARROW_SECURITY_FLOOD_WINDOW_SECONDS: '5',
        SPARROW_SECURITY_FLOOD_PER_BLOCK: 'lots',
        SPARROW_SECURITY_OWN_SMS_PER_NUMBER_HOUR: '0',
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('SPARROW_SECURITY_CODE_FAILURES_BEFORE_LOCK (6) must be greater than');
    expect(problems).toContain('SPARROW_SECURITY_FLOOD_WINDOW_SECONDS must be a whole number from 10 to 3600');
    expect(problems).toContain('SPARROW_SECURITY_FLOOD_PER_BLOCK must be a whole number');
    expect(problems).toContain('SPARROW_SECURITY_OWN_SMS_PER_NUMBER_HOUR must be a whole number from 1');
  });

  it('requires the Twilio credentials when Twilio is the provider, without echoing secrets', () => {
    expect(() => loadConfig({ SPARROW_SMS_PROVIDER: 'twilio' })).toThrow(/SPARROW_TWILIO_AUTH_TOKEN is required/);
    try {
      loadConfig({ SPARROW_REDIS_URL: 'http://:supersecret@host' });
    } catch (e) {
      expect((e as Error).message).not.toContain('supersecret');
    }
  });

  it('accepts PostgreSQL and sqlite: URLs', () => {
    expect(loadConfig({ SPARROW_DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({
      engine: 'postgres',
      location: 'postgres://u@h:5432/db',
    });
    expect(loadConfig({ SPARROW_DATABASE_URL: 'sqlite::memory:' }).database.location).toBe(':memory:');
    expect(() => loadConfig({ SPARROW_DATABASE_URL: 'sqlite:' })).toThrow(ConfigError);
  });
});
