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

  it('validates the advertising floor settings and keeps each rule from being switched off', () => {
    expect(loadConfig({}).privacy.ads).toEqual({
      minAudienceSize: 100,
      minAccountAgeDays: 30,
      burstSize: 5,
      burstWindowHours: 24,
      networkClusterSize: 3,
    });
    let error: unknown;
    try {
      loadConfig({
        SPARROW_ADS_MIN_AUDIENCE_SIZE: '99',
        SPARROW_ADS_MIN_ACCOUNT_AGE_DAYS: '0',
        SPARROW_ADS_BURST_SIZE: 'many',
        SPARROW_ADS_BURST_WINDOW_HOURS: '0',
        SPARROW_ADS_NETWORK_CLUSTER_SIZE: '1',
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'SPARROW_ADS_MIN_AUDIENCE_SIZE',
      'SPARROW_ADS_MIN_ACCOUNT_AGE_DAYS',
      'SPARROW_ADS_BURST_SIZE',
      'SPARROW_ADS_BURST_WINDOW_HOURS',
      'SPARROW_ADS_NETWORK_CLUSTER_SIZE',
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
    // PostgreSQL on the same machine, over its Unix socket (docs/deployment.md).
    expect(loadConfig({ SPARROW_DATABASE_URL: 'postgres:///db?host=/var/run/postgresql' }).database).toEqual({
      engine: 'postgres',
      location: 'postgres:///db?host=/var/run/postgresql',
    });
    expect(loadConfig({ SPARROW_DATABASE_URL: 'sqlite::memory:' }).database.location).toBe(':memory:');
    expect(() => loadConfig({ SPARROW_DATABASE_URL: 'sqlite:' })).toThrow(ConfigError);
  });

  it('validates the discovery limits and names removed discovery settings', () => {
    const config = loadConfig({
      SPARROW_DISCOVERY_INSTANCE_DAILY_LIMIT: '5000',
      SPARROW_DISCOVERY_MIN_PHONE_AGE_DAYS: '30',
    });
    expect(config.privacy.discovery).toMatchObject({ instanceDailyLimit: 5000, minPhoneAgeDays: 30, cohortSize: 5 });
    let error: unknown;
    try {
      loadConfig({
        SPARROW_DISCOVERY_COHORT_SIZE: '1',
        SPARROW_DISCOVERY_CONCENTRATION_PER_BLOCK: 'many',
        SPARROW_DISCOVERY_NETWORK_DAILY_LIMIT: '600',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('SPARROW_DISCOVERY_COHORT_SIZE must be a whole number from 2');
    expect(problems).toContain('SPARROW_DISCOVERY_CONCENTRATION_PER_BLOCK');
    expect(problems).toMatch(
      /SPARROW_DISCOVERY_NETWORK_DAILY_LIMIT was removed: .*SPARROW_DISCOVERY_INSTANCE_DAILY_LIMIT/,
    );
  });

  it('reads the registrations mode, the sign-up puzzle and its limits, with a message per bad value', () => {
    expect(loadConfig({}).registrations).toEqual({
      mode: 'open',
      powBits: 16,
      powMaxBits: 22,
      perNetworkPerHour: 10,
      perDomainPer10Minutes: 10,
      perInstancePerHour: 60,
    });
    expect(loadConfig({ SPARROW_REGISTRATIONS_OPEN: 'false' }).registrations.mode).toBe('closed');
    expect(loadConfig({ SPARROW_REGISTRATIONS_MODE: 'approval' }).registrations.mode).toBe('approval');
    try {
      loadConfig({
        SPARROW_REGISTRATIONS_MODE: 'invite',
        SPARROW_SIGNUP_POW_BITS: '40',
        SPARROW_SIGNUP_PER_HOUR: '0',
        SPARROW_SIGNUP_PER_NETWORK_HOUR: 'many',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('SPARROW_REGISTRATIONS_MODE must be one of open, approval, closed (got "invite")');
      expect(problems).toContain('SPARROW_SIGNUP_POW_BITS must be a whole number from 0 to 28');
      expect(problems).toContain('SPARROW_SIGNUP_PER_HOUR must be a whole number from 1');
      expect(problems).toContain('SPARROW_SIGNUP_PER_NETWORK_HOUR must be a whole number');
    }
    expect(() => loadConfig({ SPARROW_REGISTRATIONS_OPEN: 'false', SPARROW_REGISTRATIONS_MODE: 'open' })).toThrow(
      /contradicts/,
    );
    expect(() => loadConfig({ SPARROW_SIGNUP_POW_BITS: '20', SPARROW_SIGNUP_POW_MAX_BITS: '18' })).toThrow(
      /SPARROW_SIGNUP_POW_MAX_BITS must be at least/,
    );
  });
});
