/**
 * The VPC layout of an EKS cluster: subnet `2i` of the VPC range is zone i's public subnet (load
 * balancers, NAT), `2i+1` its private one (nodes and, with the VPC CNI, pods).
 */

export interface Cidr {
  /** First address, as an unsigned 32-bit number. */
  start: number;
  bits: number;
  /** Number of addresses. */
  size: number;
}

export const ipv4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** Parses `a.b.c.d/n`: four decimal octets of at most 255 and a prefix of 0–32, or undefined. */
export function parseCidr(v: string): (Cidr & { address: number }) | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o, i) => o > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0"))) || bits > 32) return undefined;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { address, start: address - (address % size), bits, size };
}

/** The `index`-th block of 1/16 of the VPC range (a /20 in a /16): room for 8 zones. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not a CIDR: ${vpcCidr}; the stack schema checks it`);
  const prefix = vpc.bits + 4;
  return `${ipv4(vpc.start + index * 2 ** (32 - prefix))}/${prefix}`;
}

/** The public subnets of a cluster with `zones` zones: where its load balancers' addresses come from. */
export function publicSubnetCidrs(vpcCidr: string, zones: number): string[] {
  return Array.from({ length: zones }, (_, i) => subnetCidr(vpcCidr, i * 2));
}
