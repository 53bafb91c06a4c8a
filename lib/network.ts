/**
 * The VPC layout of an EKS cluster: subnet `2i` of the VPC range is zone i's public subnet (load
 * balancers, NAT), `2i+1` its private one (nodes and, with the VPC CNI, pods).
 */

/** The `index`-th block of 1/16 of the VPC range (a /20 in a /16): room for 8 zones. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [base, bits] = vpcCidr.split("/");
  const prefix = Number(bits) + 4;
  const ip = base.split(".").reduce((acc, o) => acc * 256 + Number(o), 0) + index * 2 ** (32 - prefix);
  return `${[24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join(".")}/${prefix}`;
}

/** The public subnets of a cluster with `zones` zones: where its load balancers' addresses come from. */
export function publicSubnetCidrs(vpcCidr: string, zones: number): string[] {
  return Array.from({ length: zones }, (_, i) => subnetCidr(vpcCidr, i * 2));
}
