/**
 * What an SMS segment costs, per provider and destination country, as the operator wrote
 * it down from their contracts (`SPARROW_SMS_PRICES_FILE`, a JSON file):
 *
 *   { "currency": "USD",
 *     "providers": { "africastalking": { "KE": 0.0065, "UG": 0.021, "*": 0.03 },
 *                    "*": { "*": 0.05 } } }
 *
 * A price is per segment. Lookups fall back from the country to the provider's `*`, then to
 * the `*` provider; a message no entry covers has no estimate (and says so).
 */
export interface PriceTable {
  currency: string;
  /** Price of one segment, or null when the table has no entry for it. */
  perSegment(provider: string, country: string): number | null;
}

class PriceTableError extends Error {
  constructor(message: string) {
    super(`SMS price table: ${message}`);
    this.name = 'PriceTableError';
  }
}

/** Reads and checks a price table; every mistake is reported with where it is. */
export function parsePriceTable(json: string): PriceTable {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new PriceTableError(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new PriceTableError('must be an object');
  const { currency, providers } = data as Record<string, unknown>;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    throw new PriceTableError('"currency" must be an ISO 4217 code such as USD or KES');
  }
  if (typeof providers !== 'object' || providers === null || Array.isArray(providers)) {
    throw new PriceTableError('"providers" must be an object of provider → { country → price per segment }');
  }
  const table = new Map<string, Map<string, number>>();
  for (const [provider, countries] of Object.entries(providers)) {
    if (typeof countries !== 'object' || countries === null || Array.isArray(countries)) {
      throw new PriceTableError(`providers.${provider} must be an object of country → price`);
    }
    const prices = new Map<string, number>();
    for (const [country, price] of Object.entries(countries)) {
      if (country !== '*' && !/^[A-Z]{2}$/.test(country)) {
        throw new PriceTableError(`providers.${provider}.${country}: countries are ISO 3166 alpha-2 codes or *`);
      }
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
        throw new PriceTableError(`providers.${provider}.${country} must be a price of zero or more`);
      }
      prices.set(country, price);
    }
    table.set(provider, prices);
  }
  return {
    currency,
    perSegment(provider, country) {
      for (const p of [provider, '*']) {
        const prices = table.get(p);
        const price = prices?.get(country) ?? prices?.get('*');
        if (price !== undefined) return price;
      }
      return null;
    },
  };
}

/** Segments sent and what they cost, per UTC day, destination country and provider. */
export interface CostRow {
  day: string;
  country: string;
  provider: string;
  messages: number;
  segments: number;
  /** In the table's currency; null when the table has no price for this provider and country. */
  estimatedCost: number | null;
}
