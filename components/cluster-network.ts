import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "../lib/network";

export interface ClusterNetworkArgs {
  /** IPv4 range of the VPC, split into one public and one private /20-ish subnet per zone. */
  cidr: string;
  /**
   * Availability zone IDs to span (at least 2). IDs, not names or positions in the region's list:
   * a zone that becomes impaired or an opted-in Local Zone must never shift subnets to other zones.
   */
  zoneIds: string[];
  /** Cluster name, used for the subnet tags EKS load balancers look up. */
  clusterName: string;
  /** Pulumi `protect` on the VPC (with the cluster's deletion protection). @default false */
  protect?: boolean;
}

/**
 * A VPC for one EKS cluster: public subnets (load balancers, NAT) and private subnets (nodes) in
 * each zone, one NAT gateway per zone so a zone outage does not cut the others off.
 */
export class ClusterNetwork extends pulumi.ComponentResource {
  declare readonly vpcId: pulumi.Output<string>;
  declare readonly publicSubnetIds: pulumi.Output<string>[];
  declare readonly privateSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:ClusterNetwork", name, {}, opts);
    const parent = { parent: this };
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } }, { parent: this, protect: args.protect ?? false });
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] }, parent);
    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;
    const publicIds: pulumi.Output<string>[] = [];
    const privateIds: pulumi.Output<string>[] = [];
    for (const [i, zoneId] of args.zoneIds.entries()) {
      const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
        vpcId: vpc.id, availabilityZoneId: zoneId, cidrBlock: subnetCidr(args.cidr, i * 2), mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1", [clusterTag]: "shared" },
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, parent);
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc" }, parent);
      const nat = new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: pub.id, allocationId: eip.id }, { parent: this, dependsOn: [igw] });
      const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
        vpcId: vpc.id, availabilityZoneId: zoneId, cidrBlock: subnetCidr(args.cidr, i * 2 + 1),
        tags: { Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1", [clusterTag]: "shared" },
      }, parent);
      const privateRoutes = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: privateRoutes.id }, parent);
      publicIds.push(pub.id);
      privateIds.push(priv.id);
    }
    this.vpcId = vpc.id;
    this.publicSubnetIds = publicIds;
    this.privateSubnetIds = privateIds;
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: publicIds, privateSubnetIds: privateIds });
  }
}
