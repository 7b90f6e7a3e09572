/**
 * Time zones people read times in: IANA names (`Africa/Nairobi`, `Europe/Berlin`, `UTC`),
 * as every browser reports them. Only names the runtime knows are accepted, in the
 * runtime's canonical spelling, so a stored zone always formats.
 */
const KNOWN = new Map<string, string>(
  [...Intl.supportedValuesOf('timeZone'), 'UTC'].map((zone) => [zone.toLowerCase(), zone]),
);

/** The canonical IANA name for `input` (any letter case, surrounding spaces ignored), or null if it is none. */
export function canonicalTimeZone(input: string): string | null {
  const name = input.trim();
  if (name === '' || name.length > 64) return null;
  const known = KNOWN.get(name.toLowerCase());
  if (known) return known;
  // Aliases the runtime accepts but does not list (e.g. `Etc/UTC`, `Asia/Calcutta`).
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
