import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

export interface MetricsAccessOptions {
  /** Bearer token a scraper must send; empty = none needed. */
  metricsToken: string;
  /** Addresses or CIDR ranges allowed to scrape; empty = any. */
  metricsAllow: string[];
}

export type MetricsVerdict = 'ok' | 'address' | 'token';

/**
 * Who may read /metrics: optionally only some addresses (exact or CIDR, IPv4 and IPv6) and
 * optionally only with a bearer token. Counters name rooms' sizes, error rates and versions, which
 * an operator may not want public.
 */
export function metricsAccess(
  options: MetricsAccessOptions,
): (ip: string, authorization?: string) => MetricsVerdict {
  const allow = options.metricsAllow.length > 0 ? allowList(options.metricsAllow) : null;
  const token = options.metricsToken === '' ? null : Buffer.from(`Bearer ${options.metricsToken}`);
  return (ip, authorization) => {
    if (allow && !allowed(allow, ip)) return 'address';
    if (token) {
      const given = Buffer.from(authorization ?? '');
      if (given.length !== token.length || !timingSafeEqual(given, token)) return 'token';
    }
    return 'ok';
  };
}

/** Parse `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`; throws on anything else (checked at config time). */
export function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or CIDR range: ${entry}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`not a CIDR range: ${entry}`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
}

function allowed(list: BlockList, ip: string): boolean {
  // An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip;
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
