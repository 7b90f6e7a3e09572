import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network an address belongs to, as people share them: an IPv4 /24 or an IPv6 /48
 * (one household, office or small provider block). IPv4-mapped IPv6 addresses count as
 * IPv4. Null for anything that is not an IP address.
 */
export function networkOf(ip: string): string | null {
  const address = ip.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return networkOf(mapped[1]!);
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(address)) return null;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 3)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/48`;
}
