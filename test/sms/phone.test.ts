import { describe, expect, it } from 'vitest';
import { countryOfE164, normalisePhone } from '../../src/sms/phone.ts';

describe('normalisePhone', () => {
  it.each([
    ['+254712345678', undefined, '+254712345678', 'KE'],
    ['+254 712 345 678', undefined, '+254712345678', 'KE'],
    ['0712 345678', 'KE', '+254712345678', 'KE'],
    ['0712345678', 'ke', '+254712345678', 'KE'],
    ['+2348031234567', undefined, '+2348031234567', 'NG'],
    ['08031234567', 'NG', '+2348031234567', 'NG'],
    ['+91 98123 45678', undefined, '+919812345678', 'IN'],
    ['+1 (202) 555-0123', undefined, '+12025550123', 'US'],
    ['202-555-0123', 'US', '+12025550123', 'US'],
    ['+447712345678', undefined, '+447712345678', 'GB'],
    ['07712 345678', 'GB', '+447712345678', 'GB'],
  ])('accepts %s (default %s)', (input, country, e164, expectedCountry) => {
    expect(normalisePhone(input, country)).toEqual({ e164, country: expectedCountry });
  });

  it('reads provider numbers without a plus (Vonage msisdn, SMSC source_addr) as international', () => {
    expect(normalisePhone('254712345678')).toEqual({ e164: '+254712345678', country: 'KE' });
    expect(normalisePhone('00447712345678')).toEqual({ e164: '+447712345678', country: 'GB' });
    expect(normalisePhone('0712345678')).toBeNull();
  });

  it.each([
    ['', undefined],
    ['   ', undefined],
    ['abc', undefined],
    ['+1', undefined],
    ['+254 7123', undefined],
    ['+2547123456789012345', undefined],
    ['call me on +254712345678', undefined],
    ['+254712345678; DROP TABLE', undefined],
    ['0712345678', 'XX1'],
    ['+447700900123', undefined], // Ofcom drama range: valid length, not a real number
  ])('rejects junk and invalid numbers: %j', (input, country) => {
    expect(normalisePhone(input, country)).toBeNull();
  });

  it.each([
    ['+18005551234', 'US toll-free'],
    ['+449098790000', 'UK premium rate'],
    ['+442071838750', 'UK landline'],
    ['+254201234567', 'Kenyan landline'],
    ['+80012345678', 'non-geographic freephone'],
  ])('rejects numbers that cannot hold an SMS conversation: %s (%s)', (input) => {
    expect(normalisePhone(input)).toBeNull();
  });

  it('answers a number asked for again (a kept answer) as the first time, and the kept answer cannot be changed', () => {
    const first = normalisePhone('+254 712 345 679');
    const again = normalisePhone('+254 712 345 679');
    expect(again).toEqual({ e164: '+254712345679', country: 'KE' });
    expect(again).toEqual(first);
    expect(Object.isFrozen(again)).toBe(true);
    // The default country is part of what is asked: a national form read in two plans.
    expect(normalisePhone('0712 345679', 'KE')).toEqual({ e164: '+254712345679', country: 'KE' });
    expect(normalisePhone('0712 345679', 'GB')).not.toEqual(normalisePhone('0712 345679', 'KE'));
    expect(normalisePhone('0712 345679', 'GB')?.country).not.toBe('KE');
    expect(normalisePhone('+1 900 555 0123')).toBeNull();
    expect(normalisePhone('+1 900 555 0123')).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(normalisePhone(undefined as unknown as string)).toBeNull();
    expect(normalisePhone(254712345678 as unknown as string)).toBeNull();
  });
});

describe('countryOfE164', () => {
  it('names the country of valid E.164 numbers', () => {
    expect(countryOfE164('+254712345678')).toBe('KE');
    expect(countryOfE164('+2348031234567')).toBe('NG');
    expect(countryOfE164('+919812345678')).toBe('IN');
    expect(countryOfE164('+12025550123')).toBe('US');
    expect(countryOfE164('+447712345678')).toBe('GB');
    expect(countryOfE164('+442071838750')).toBe('GB');
  });

  it('returns null for anything that is not E.164', () => {
    expect(countryOfE164('0712345678')).toBeNull();
    expect(countryOfE164('254712345678')).toBeNull();
    expect(countryOfE164('+12')).toBeNull();
    expect(countryOfE164('junk')).toBeNull();
  });
});
