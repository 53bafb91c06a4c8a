import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { externalDnsPolicy, irsaTrust, loadBalancerControllerPolicy } from "../lib/iam";
import { ADDON_SERVICE_ACCOUNTS, type AddonValues } from "../lib/objects/addons";
import type { StackConfig } from "../lib/stack-schema";

export interface ClusterAddonsArgs {
  clusterName: string;
  region: string;
  /** The EKS cluster's name once it exists (the EBS CSI add-on attaches to it). */
  eksClusterName: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** The cluster's OIDC provider: every add-on role trusts one service account through it. */
  oidc: { arn: pulumi.Input<string>; url: pulumi.Input<string> };
  versions: StackConfig["addons"];
  /** Route 53 zones of the stage (`platform:dns`); without them, no ExternalDNS and no certificate. */
  zones?: { domain: string; hostedZoneId: string }[];
  /** Hosts the certificate must also cover beyond `<zone>` and `*.<zone>` (the webhook receiver's). */
  extraHosts?: string[];
  /** The cluster's node groups: the EBS CSI add-on waits for them (its controller needs nodes). */
  nodeGroups: pulumi.Resource[];
}

/**
 * The AWS side of an EKS cluster's shared add-ons: IRSA roles for the load balancer controller,
 * ExternalDNS and the EBS CSI driver (each trusted only by its own service account on this
 * cluster's OIDC provider), the EBS CSI driver as an EKS add-on, and, for the stage's DNS zones,
 * an ACM certificate validated in those zones that the load balancers serve (found by host).
 * The in-cluster side is `lib/objects/addons.ts`, delivered with the platform's objects.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  /** What the add-on objects need, once the roles exist. */
  declare readonly values: pulumi.Output<AddonValues>;
  declare readonly certificateArn?: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:ClusterAddons", name, {}, opts);
    const sa = ADDON_SERVICE_ACCOUNTS;
    const lb = this.irsaRole(`${name}-lb-controller`, args, sa.loadBalancerController, "AWS Load Balancer Controller");
    new aws.iam.RolePolicy(`${name}-lb-controller`, { role: lb.name, policy: loadBalancerControllerPolicy(args.clusterName) }, { parent: this });

    const ebs = this.irsaRole(`${name}-ebs-csi`, args, sa.ebsCsiController, "EBS CSI driver");
    const ebsPolicy = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, { role: ebs.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" }, { parent: this });
    // Created before any node, the add-on stays DEGRADED (its controller cannot schedule) until
    // EKS gives up waiting and `up` fails: it waits for the node groups.
    new aws.eks.Addon(`${name}-ebs-csi`, {
      clusterName: args.eksClusterName,
      addonName: "aws-ebs-csi-driver",
      addonVersion: args.versions.ebsCsiDriverAddon,
      serviceAccountRoleArn: ebs.arn,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
    }, { parent: this, dependsOn: [ebsPolicy, ...args.nodeGroups] });

    let externalDns: pulumi.Output<AddonValues["externalDns"]> = pulumi.output(undefined);
    if (args.zones?.length) {
      const zones = args.zones;
      const dns = this.irsaRole(`${name}-external-dns`, args, sa.externalDns, "ExternalDNS");
      new aws.iam.RolePolicy(`${name}-external-dns`, { role: dns.name, policy: externalDnsPolicy(zones.map((z) => z.hostedZoneId)) }, { parent: this });
      externalDns = dns.arn.apply((roleArn) => ({ roleArn, zones }));
      this.certificateArn = this.certificate(name, zones, args.extraHosts ?? []);
    }
    this.values = pulumi.all([args.vpcId, lb.arn, externalDns]).apply(([vpcId, lbArn, dnsValues]) => ({
      clusterName: args.clusterName,
      region: args.region,
      vpcId,
      versions: args.versions,
      loadBalancerControllerRoleArn: lbArn,
      ...(dnsValues ? { externalDns: dnsValues } : {}),
    }));
    this.registerOutputs({ values: this.values, certificateArn: this.certificateArn });
  }

  private irsaRole(name: string, args: ClusterAddonsArgs, account: { namespace: string; name: string }, what: string): aws.iam.Role {
    return new aws.iam.Role(name, {
      description: `${what} of EKS cluster ${args.clusterName} (${account.namespace}/${account.name})`,
      assumeRolePolicy: pulumi.all([args.oidc.arn, args.oidc.url]).apply(([arn, url]) => irsaTrust(arn, url, account.namespace, account.name)),
    }, { parent: this });
  }

  /**
   * `<zone>` and `*.<zone>` of every zone (tenant hosts are one label below a zone), plus hosts
   * deeper than that, validated by DNS records in the zone each name belongs to.
   */
  private certificate(name: string, zones: { domain: string; hostedZoneId: string }[], extraHosts: string[]): pulumi.Output<string> {
    const covered = (h: string) => zones.some((z) => h === z.domain || (h.endsWith(`.${z.domain}`) && !h.slice(0, -z.domain.length - 1).includes(".")));
    const extra = [...new Set(extraHosts.filter((h) => !covered(h)))].sort();
    const names = [...zones.flatMap((z) => [z.domain, `*.${z.domain}`]), ...extra];
    // A change of names replaces it, new before old. Load balancers find it by host, and while two
    // issued certificates cover a host the controller refuses to choose, so the listeners keep the
    // old one and its delete fails in use: README "Changing the certificate's names" says what to do.
    const cert = new aws.acm.Certificate(`${name}-tls`, {
      domainName: names[0],
      subjectAlternativeNames: names.slice(1),
      validationMethod: "DNS",
    }, { parent: this });
    // `*.x` is validated by the same record as `x`, so one record per zone domain and per extra host.
    const records = [...zones.map((z) => z.domain), ...extra].map((host) => {
      const zone = zones.find((z) => host === z.domain || host.endsWith(`.${z.domain}`));
      if (!zone) throw new Error(`${host} is in none of the DNS zones; validation should have refused it`);
      const option = cert.domainValidationOptions.apply((opts) => {
        const found = opts.find((o) => o.domainName === host);
        if (!found) throw new Error(`ACM gave no validation record for ${host}`);
        return found;
      });
      // ACM gives the same validation CNAME for a name in every region of the account, so two
      // clusters of a stage write one record: deleting it with one cluster would stop the other's
      // certificate renewing. Left behind it is harmless, and ACM reuses it for a new certificate.
      return new aws.route53.Record(`${name}-tls-${host}`, {
        zoneId: zone.hostedZoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        allowOverwrite: true,
      }, { parent: this, retainOnDelete: true });
    });
    return new aws.acm.CertificateValidation(`${name}-tls`, {
      certificateArn: cert.arn,
      validationRecordFqdns: records.map((r) => r.fqdn),
    }, { parent: this }).certificateArn;
  }
}
