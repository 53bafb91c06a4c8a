/**
 * The program (index.ts) with the stack files as they are and `gitops` delivery: what each stack
 * registers, checked against what `Pulumi.<stack>.yaml` and `tenants/` ask for.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { engineVersion } from "../engines/build";
import { createHash } from "node:crypto";
import { FLUX_OPERATOR_CHART } from "../components/flux-bootstrap";
import { receiverPath } from "../lib/objects/notifications";
import { GITHUB_KNOWN_HOSTS } from "../lib/objects/sealed-secret";
import { unseal } from "../lib/sealing";
import { STANDIN_SEALING_CERT_PEM, STANDIN_SEALING_KEY_PEM, standinKeyFor } from "../plan/standin-keys";
import type { Registration } from "../plan/recorder";
import {
  fileObjects,
  fleetFile,
  fleetFiles,
  planFailure,
  planOf,
  received,
  REDACTED,
  refersTo,
  hasRegistration,
  registration,
  registrationsOf,
  RESOURCE_TYPE as T,
  runPlan,
  stackFile,
  stockTenants,
  tenantsDir,
  type Plan,
} from "./mocks";

interface ClusterConfig {
  name: string;
  region: string;
  availabilityZoneIds: string[];
  endpoint: { public: boolean; private: boolean };
  adminRoleArns: string[];
  deletionProtection?: boolean;
  logTypes?: string[];
  receiver?: { host: string };
}

const STACKS = ["dev", "prod"] as const;
const DEFAULT_LOG_TYPES = ["api", "audit", "authenticator"];
const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

const clustersOf = (stack: string) => stackFile(stack).config["platform:clusters"] as ClusterConfig[];
/** The stage's image-automation cluster: the stacks leave the default, their first cluster. */
const automationClusterOf = (stack: string) => clustersOf(stack)[0].name;
const stageOf = (stack: string) => stackFile(stack).config["platform:stage"] as string;
const fleetRepositoryOf = (stack: string) => (stackFile(stack).config["platform:fleet"] as { repository: string; branch: string });
const allStages = () => STACKS.map(stageOf);

interface TenantFile {
  name: string;
  namespace?: string;
  stages?: string[];
  source: { repository: string };
  imageAutomation?: unknown;
}
const tenantFiles = () => Object.values(stockTenants()) as unknown as TenantFile[];
const namespaceOf = (t: TenantFile) => t.namespace ?? t.name;
/** The tenants a stack's stage carries, per the tenant files (no `stages`: every stage). */
const tenantsOn = (stack: string) => tenantFiles().filter((t) => (t.stages ?? allStages()).includes(stageOf(stack)));

/** The AWS provider a cluster's EKS resources are created with. */
function awsProviderOf(plan: Plan, cluster: string): Registration {
  const eks = registration(plan, T.eksCluster, `${cluster}-eks`);
  const ref = eks.providers?.aws;
  const provider = registrationsOf(plan, T.awsProvider).find((p) => refersTo(ref, p));
  assert.ok(provider, `the EKS cluster ${cluster} is created with an explicit AWS provider (providers: ${JSON.stringify(eks.providers)})`);
  return provider;
}

const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");

describe("program: who creates the clusters", () => {
  for (const stack of STACKS) {
    it(`${stack}: every EKS cluster is created as the stack's deployer role, and its Kubernetes provider assumes that role`, async () => {
      const plan = await planOf({ stack });
      const deployer = stackFile(stack).config["platform:deployerRoleArn"] as string;
      assert.match(deployer, /^arn:aws:iam::\d{12}:role\//);
      for (const c of clustersOf(stack)) {
        const provider = registration(plan, "pulumi:providers:aws", `${c.name}-aws`);
        assert.deepEqual((JSON.parse(String(provider.inputs.assumeRoles)) as { roleArn: string }[]).map((r) => r.roleArn), [deployer]); // provider inputs arrive JSON-encoded
        const cluster = registration(plan, T.eksCluster, `${c.name}-eks`);
        assert.equal((cluster.inputs.providerCredentialOpts as { roleArn: string }).roleArn, deployer);
        assert.ok(!(c.adminRoleArns as string[]).includes(deployer), "EKS makes the creator admin already");
      }
    });
  }
});

describe("program: EKS clusters", () => {
  for (const stack of STACKS) {
    it(`${stack}: every cluster in Pulumi.${stack}.yaml is one EKS cluster, created in its own region`, async () => {
      const plan = await planOf({ stack });
      const clusters = clustersOf(stack);
      assert.deepEqual(registrationsOf(plan, T.eksCluster).map((r) => r.inputs.name).sort(), clusters.map((c) => c.name).sort());
      for (const c of clusters) assert.equal(awsProviderOf(plan, c.name).inputs.region, c.region, c.name);
    });
  }

  it("dev has one EKS cluster and prod two in two regions", async () => {
    const dev = await planOf({ stack: "dev" });
    const prod = await planOf({ stack: "prod" });
    assert.equal(registrationsOf(dev, T.eksCluster).length, 1);
    assert.equal(registrationsOf(prod, T.eksCluster).length, 2);
    const regions = clustersOf("prod").map((c) => awsProviderOf(prod, c.name).inputs.region);
    assert.equal(new Set(regions).size, 2, `prod regions: ${regions.join(", ")}`);
  });

  it("prod clusters have a private API endpoint, EKS deletion protection and Pulumi protect", async () => {
    const plan = await planOf({ stack: "prod" });
    for (const c of clustersOf("prod")) {
      const eks = registration(plan, T.eksCluster, `${c.name}-eks`);
      assert.equal(eks.inputs.endpointPublicAccess, false, c.name);
      assert.equal(eks.inputs.endpointPrivateAccess, true, c.name);
      assert.equal(eks.inputs.deletionProtection, true, c.name);
      assert.equal(eks.protect, true, c.name);
      // Whose loss loses data or access: the nodes, the key that encrypts every Secret, the network.
      assert.equal(registration(plan, T.kmsKey, `${c.name}-secrets`).protect, true, `${c.name}'s KMS key`);
      assert.equal(registration(plan, "aws:ec2/vpc:Vpc", `${c.name}-network-vpc`).protect, true, `${c.name}'s VPC`);
      for (const g of registrationsOf(plan, T.nodeGroup).filter((r) => r.name.startsWith(`${c.name}-`))) assert.equal(g.protect, true, g.name);
    }
  });

  it("dev's cluster, without deletionProtection in its stack file, is neither deletion-protected nor Pulumi-protected", async () => {
    const plan = await planOf({ stack: "dev" });
    for (const c of clustersOf("dev")) {
      const eks = registration(plan, T.eksCluster, `${c.name}-eks`);
      assert.equal(eks.inputs.deletionProtection, false);
      assert.equal(eks.protect, undefined);
    }
  });

  for (const stack of STACKS) {
    it(`${stack}: cluster access is by access entries only, one cluster-admin entry per admin role`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const inputs = registration(plan, T.eksCluster, `${c.name}-eks`).inputs;
        assert.equal(inputs.authenticationMode, "API", c.name);
        const entries = Object.values(inputs.accessEntries as Record<string, { principalArn: string; accessPolicies: Record<string, { policyArn: string; accessScope: { type: string } }> }>);
        assert.deepEqual(entries.map((e) => e.principalArn).sort(), [...c.adminRoleArns].sort(), c.name);
        for (const e of entries) {
          assert.deepEqual(Object.values(e.accessPolicies).map((p) => [p.policyArn, p.accessScope.type]), [[CLUSTER_ADMIN_POLICY, "cluster"]], e.principalArn);
        }
      }
    });

    it(`${stack}: every cluster has an OIDC provider, Secrets encrypted with its own regional KMS key, and control-plane logs`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const inputs = registration(plan, T.eksCluster, `${c.name}-eks`).inputs;
        assert.equal(inputs.createOidcProvider, true, c.name);
        const key = registration(plan, T.kmsKey, `${c.name}-secrets`);
        assert.ok(refersTo(key.provider, awsProviderOf(plan, c.name)), `${c.name}: the KMS key is in the cluster's region`);
        assert.equal(inputs.encryptionConfigKeyArn, received(plan, T.kmsKey, `${c.name}-secrets`).state.arn, c.name);
        assert.match(String(inputs.encryptionConfigKeyArn), new RegExp(`^arn:aws:kms:${c.region}:`), c.name);
        assert.deepEqual(inputs.enabledClusterLogTypes, c.logTypes ?? DEFAULT_LOG_TYPES, c.name);
      }
    });

    it(`${stack}: managed node groups run in the cluster's private subnets only`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const privateIds = registrationsOf(plan, T.subnet)
          .filter((s) => s.name.startsWith(`${c.name}-network-private-`))
          .map((s) => received(plan, T.subnet, s.name).id)
          .sort();
        assert.equal(privateIds.length, c.availabilityZoneIds.length, c.name);
        const groups = registrationsOf(plan, T.nodeGroup).filter((g) => g.parent === registration(plan, T.eksCluster, `${c.name}-eks`).parent);
        assert.ok(groups.length > 0, `${c.name} has managed node groups`);
        for (const g of groups) assert.deepEqual([...(g.inputs.subnetIds as string[])].sort(), privateIds, g.name);
        assert.equal(registration(plan, T.eksCluster, `${c.name}-eks`).inputs.nodeAssociatePublicIpAddress, false, c.name);
      }
    });

    it(`${stack}: node groups launch from a template requiring IMDSv2 with hop limit 1, so pods cannot reach the node's credentials`, async () => {
      const plan = await planOf({ stack });
      const templates = registrationsOf(plan, "aws:ec2/launchTemplate:LaunchTemplate");
      for (const g of registrationsOf(plan, T.nodeGroup)) {
        const template = templates.find((t) => t.name === g.name);
        assert.ok(template, `${g.name} has its launch template`);
        assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 }, g.name);
        assert.deepEqual((g.inputs.launchTemplate as { id: unknown }).id, received(plan, "aws:ec2/launchTemplate:LaunchTemplate", g.name).id, `${g.name} uses it`);
        assert.equal(g.inputs.diskSize, undefined, "the disk is the template's (EKS refuses both)");
      }
    });

    it(`${stack}: the cluster's Kubernetes provider waits for every node group, so charts, Flux and tenants start on nodes and are destroyed before them`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const provider = registration(plan, "pulumi:providers:kubernetes", `${c.name}-k8s`);
        const groups = registrationsOf(plan, T.nodeGroup).filter((g) => g.name.startsWith(`${c.name}-`));
        assert.ok(groups.length > 0);
        for (const g of groups) assert.ok(provider.dependsOn.includes(g.urn), `${c.name}'s provider waits for ${g.name}`);
        for (const r of [registration(plan, T.fluxInstance, `${c.name}-flux-instance`), registration(plan, T.chart, `${c.name}-sealed-secrets-chart`)]) {
          assert.ok(refersTo(r.provider, provider), `${r.name} is installed through that provider`);
        }
      }
    });

    it(`${stack}: CI's runner networks (platform:ci.runnerCidrs) reach each cluster's API on 443 through the cluster's security group, and nothing else is let in`, async () => {
      const plan = await planOf({ stack });
      const cidrs = ((stackFile(stack).config["platform:ci"] as { runnerCidrs?: string[] } | undefined)?.runnerCidrs) ?? [];
      const rules = registrationsOf(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      assert.equal(rules.length, cidrs.length * clustersOf(stack).length);
      for (const c of clustersOf(stack)) {
        const group = received(plan, T.eksCluster, `${c.name}-eks`).state.clusterSecurityGroupId;
        const mine = rules.filter((r) => r.inputs.securityGroupId === group);
        assert.deepEqual(mine.map((r) => r.inputs.cidrIpv4).sort(), [...cidrs].sort(), `${c.name}: one rule per runner network`);
        for (const r of mine) {
          assert.deepEqual([r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort], ["tcp", 443, 443], r.name);
          assert.ok(refersTo(r.provider, awsProviderOf(plan, c.name)), `${r.name} is in ${c.name}'s region`);
        }
      }
    });

    it(`${stack}: control-plane logs go to a log group the program makes first, with the stack's retention (EKS's own would never expire)`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack) as (ClusterConfig & { logRetentionDays?: number })[]) {
        const group = registration(plan, "aws:cloudwatch/logGroup:LogGroup", `${c.name}-logs`);
        assert.equal(group.inputs.name, `/aws/eks/${c.name}/cluster`, "the name EKS writes to");
        assert.equal(group.inputs.retentionInDays, c.logRetentionDays ?? 90);
        assert.ok(registration(plan, T.eksCluster, `${c.name}-eks`).dependsOn.includes(group.urn), "made before the cluster");
      }
    });

    it(`${stack}: the VPC CNI enforces NetworkPolicies (EKS leaves it off), so tenant isolation policies take effect`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const inputs = registration(plan, T.eksCluster, `${c.name}-eks`).inputs;
        assert.equal(inputs.useDefaultVpcCni, false, "the managed VPC CNI add-on, configurable");
        assert.equal((inputs.vpcCniOptions as { enableNetworkPolicy?: boolean }).enableNetworkPolicy, true, c.name);
      }
    });

    it(`${stack}: each cluster's VPC spans at least two availability zones of its region, with a public and a private subnet in each`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const provider = awsProviderOf(plan, c.name);
        const subnets = registrationsOf(plan, T.subnet).filter((s) => refersTo(s.provider, provider));
        const zones = new Map<string, string[]>();
        for (const s of subnets) {
          const tags = s.inputs.tags as Record<string, string>;
          const role = tags["kubernetes.io/role/elb"] ? "public" : tags["kubernetes.io/role/internal-elb"] ? "private" : "untagged";
          assert.equal(s.inputs.availabilityZone, undefined, "a zone by name (or by position in the region's list) can shift");
          const az = String(s.inputs.availabilityZoneId);
          zones.set(az, [...(zones.get(az) ?? []), role].sort());
        }
        assert.ok(zones.size >= 2, `${c.name} spans ${zones.size} zone(s)`);
        assert.deepEqual([...zones.keys()].sort(), [...c.availabilityZoneIds].sort(), `${c.name}: exactly the zone IDs of its stack entry`);
        for (const [az, roles] of zones) {
          assert.deepEqual(roles, ["private", "public"], `${c.name}: subnets in ${az}`);
        }
      }
    });
  }
});

describe("program: GitHub", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every GitHub resource names the provider of the owner whose repository it writes`, async () => {
      const plan = await planOf({ stack });
      const fleetOwner = fleetRepositoryOf(stack).repository.split("/")[0];
      const providerName = (r: Registration) => (r.provider ?? "").split("::")[3];
      const github = plan.registrations.filter((r) => r.type.startsWith("github:index/"));
      assert.ok(github.length > 0);
      for (const r of github) assert.ok(r.provider, `${r.type} ${r.name} has no provider: the default provider writes to the token's own account`);
      for (const r of registrationsOf(plan, T.fleetCommit)) assert.equal(r.inputs.owner, fleetOwner, `${r.name} commits to the fleet repository's owner`);
      for (const r of [...registrationsOf(plan, T.deployKey), ...registrationsOf(plan, T.webhook)]) {
        assert.equal(providerName(r), "github-acme", `${r.name}: every shipped repository belongs to acme`);
      }
    });

    it(`${stack}: every deploy key is deleted before its replacement is created (GitHub refuses the same key twice)`, async () => {
      const plan = await planOf({ stack });
      for (const r of registrationsOf(plan, T.deployKey)) assert.equal(r.deleteBeforeReplace, true, r.name);
    });
  }
});

describe("program: Flux", () => {
  for (const stack of STACKS) {
    it(`${stack}: every FluxInstance runs Flux multi-tenant, with tenants defaulting to a powerless service account and network policies on`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const spec = registration(plan, T.fluxInstance, `${c.name}-flux-instance`).inputs.spec as { cluster: Record<string, unknown> };
        assert.equal(spec.cluster.multitenant, true, c.name);
        assert.equal(spec.cluster.tenantDefaultServiceAccount, "default", c.name);
        assert.equal(spec.cluster.networkPolicy, true, c.name);
      }
    });

    it(`${stack}: every FluxInstance syncs clusters/<cluster> of the fleet repository with the flux-system pull secret`, async () => {
      const plan = await planOf({ stack });
      const fleet = fleetRepositoryOf(stack);
      for (const c of clustersOf(stack)) {
        const sync = (registration(plan, T.fluxInstance, `${c.name}-flux-instance`).inputs.spec as { sync: Record<string, unknown> }).sync;
        assert.equal(sync.path, `clusters/${c.name}`);
        assert.equal(sync.pullSecret, "flux-system");
        assert.equal(sync.url, `ssh://git@github.com/${fleet.repository}.git`);
        assert.equal(sync.ref, `refs/heads/${fleet.branch}`);
      }
    });

    it(`${stack}: every FluxInstance waits for the Flux Operator chart and the fleet Secret`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const instance = registration(plan, T.fluxInstance, `${c.name}-flux-instance`);
        const operator = registration(plan, T.chart, `${c.name}-flux-operator`);
        assert.equal(operator.inputs.chart, FLUX_OPERATOR_CHART);
        assert.ok(instance.dependsOn.includes(operator.urn), `${c.name}: waits for the operator chart`);
        assert.ok(instance.dependsOn.includes(registration(plan, T.secret, `${c.name}-flux-fleet-secret`).urn), `${c.name}: waits for the fleet Secret`);
      }
    });
  }

  describe("image controllers run only on the stage's image-automation cluster, and only if a tenant uses them", () => {
    const IMAGE_CONTROLLERS = ["image-reflector-controller", "image-automation-controller"];
    const components = (plan: Plan, cluster: string) =>
      (registration(plan, T.fluxInstance, `${cluster}-flux-instance`).inputs.spec as { components: string[] }).components;

    for (const stack of STACKS) {
      it(`${stack}: sock-shop automates images, so the first cluster runs the image controllers and no other does`, async () => {
        assert.ok(tenantsOn(stack).some((t) => t.name === "sock-shop" && t.imageAutomation), "premise: sock-shop automates images on this stage");
        const plan = await planOf({ stack });
        for (const c of clustersOf(stack)) {
          for (const controller of IMAGE_CONTROLLERS) assert.equal(components(plan, c.name).includes(controller), c.name === automationClusterOf(stack), `${c.name} runs ${controller}`);
        }
      });
    }

    it("platform:imageAutomationCluster moves image automation, with the write key's Secret, to the cluster it names", async () => {
      const plan = await planOf({ stack: "prod", config: { "platform:imageAutomationCluster": "prod-use1" } });
      assert.ok(components(plan, "prod-use1").includes("image-reflector-controller"));
      assert.ok(!components(plan, "prod-euw1").includes("image-reflector-controller"));
      assert.match(registration(plan, T.deployKey, "sock-shop-write-deploy-key").inputs.title as string, /on prod-use1$/);
      const kinds = (cluster: string) => fileObjects(plan, `tenants/${cluster}/sock-shop/objects.yaml`).map((o) => o.kind);
      assert.ok(kinds("prod-use1").includes("ImageUpdateAutomation") && !kinds("prod-euw1").includes("ImageUpdateAutomation"));
    });

    it("without any image automation, no cluster runs the image controllers", async () => {
      const dir = tenantsDir((tenants) => {
        for (const t of Object.values(tenants)) delete t.imageAutomation;
      });
      const plan = await planOf({ stack: "dev", tenantsDir: dir });
      for (const c of clustersOf("dev")) {
        const running = components(plan, c.name);
        assert.ok(running.includes("source-controller"), "the other controllers still run");
        for (const controller of IMAGE_CONTROLLERS) assert.ok(!running.includes(controller), `${c.name} does not run ${controller}`);
      }
      assert.equal(registration(plan, T.deployKey, "sock-shop-read-deploy-key").inputs.readOnly, true, "and sock-shop's only deploy key is read-only");
      assert.ok(!registrationsOf(plan, T.deployKey).some((r) => r.inputs.readOnly === false), "no write key at all");
    });
  });
});

describe("program: fleet deploy key", () => {
  for (const stack of STACKS) {
    it(`${stack}: each cluster reads the fleet repository with its own ED25519 key, registered read-only`, async () => {
      const plan = await planOf({ stack });
      const repoName = fleetRepositoryOf(stack).repository.split("/")[1];
      for (const c of clustersOf(stack)) {
        const key = registration(plan, T.privateKey, `${c.name}-flux-fleet-key`);
        assert.equal(key.inputs.algorithm, "ED25519");
        const deployKey = registration(plan, T.deployKey, `${c.name}-flux-fleet-deploy-key`);
        assert.equal(deployKey.inputs.readOnly, true);
        assert.equal(deployKey.inputs.repository, repoName);
        assert.equal(deployKey.inputs.key, standinKeyFor(key.name, "ED25519").publicKeyOpenssh, "the deploy key is the public half of that key");
      }
    });

    it(`${stack}: the flux-system Secret holds identity, identity.pub and known_hosts, and the plan shows none of it`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const secret = registration(plan, T.secret, `${c.name}-flux-fleet-secret`);
        assert.deepEqual(secret.inputs.metadata, { name: "flux-system", namespace: "flux-system", labels: { "app.kubernetes.io/managed-by": "eks-gitops-platform" } });
        assert.deepEqual(secret.inputs.stringData, { identity: REDACTED, "identity.pub": REDACTED, known_hosts: REDACTED }, "every value of stringData is secret in the plan; only the keys show");
        const data = received(plan, T.secret, secret.name).inputs.stringData as Record<string, string>;
        const key = standinKeyFor(`${c.name}-flux-fleet-key`, "ED25519");
        assert.deepEqual(data, { identity: key.privateKeyPem, "identity.pub": key.publicKeyOpenssh, known_hosts: GITHUB_KNOWN_HOSTS });
      }
    });
  }
});

describe("program: sealing key", () => {
  for (const stack of STACKS) {
    it(`${stack}: each cluster's sealing key is an RSA 4096 key the program owns, with a self-signed certificate`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const key = registration(plan, T.privateKey, `${c.name}-sealed-secrets-key`);
        assert.equal(key.inputs.algorithm, "RSA");
        assert.equal(key.inputs.rsaBits, 4096);
        const cert = registration(plan, T.selfSignedCert, `${c.name}-sealed-secrets-cert`);
        assert.ok(cert.dependsOn.includes(key.urn), "the certificate is signed with that key");
        assert.equal(cert.inputs.privateKeyPem, REDACTED);
      }
    });

    it(`${stack}: the active sealing key is a kubernetes.io/tls Secret in the controller's namespace, labelled active`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const secret = registration(plan, T.secret, `${c.name}-sealed-secrets-key-secret`);
        assert.equal(secret.inputs.type, "kubernetes.io/tls");
        const meta = secret.inputs.metadata as { namespace: string; labels: Record<string, string> };
        assert.equal(meta.namespace, "sealed-secrets");
        assert.equal(meta.labels["sealedsecrets.bitnami.com/sealed-secrets-key"], "active");
        assert.deepEqual(secret.inputs.stringData, { "tls.crt": REDACTED, "tls.key": REDACTED });
        const data = received(plan, T.secret, secret.name).inputs.stringData as Record<string, string>;
        assert.deepEqual(Object.keys(data).sort(), ["tls.crt", "tls.key"]);
        assert.equal(data["tls.crt"], STANDIN_SEALING_CERT_PEM);
      }
    });

    it(`${stack}: the Sealed Secrets chart starts after the key Secret exists and never renews the key`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const chart = registration(plan, T.chart, `${c.name}-sealed-secrets-chart`);
        assert.ok(chart.dependsOn.includes(registration(plan, T.secret, `${c.name}-sealed-secrets-key-secret`).urn));
        assert.equal((chart.inputs.values as Record<string, unknown>).keyrenewperiod, "0");
        // The controller the chart runs is the release the real-engine tests build and run.
        assert.deepEqual((chart.inputs.values as Record<string, unknown>).image, { tag: engineVersion("sealed-secrets").replace(/^v/, "") });
        assert.equal(chart.inputs.namespace, "sealed-secrets");
      }
    });

    it(`${stack}: every cluster's sealing certificate is a stack output`, async () => {
      const plan = await planOf({ stack });
      assert.deepEqual(Object.keys(plan.outputs.clusters).sort(), clustersOf(stack).map((c) => c.name).sort());
      for (const c of clustersOf(stack)) {
        assert.equal(plan.outputs.clusters[c.name].sealingCertificate, received(plan, T.selfSignedCert, `${c.name}-sealed-secrets-cert`).state.certPem);
        assert.equal(plan.outputs.clusters[c.name].sealingCertificate, STANDIN_SEALING_CERT_PEM);
      }
    });
  }
});

describe("program: tenants (gitops delivery)", () => {
  for (const stack of STACKS) {
    it(`${stack}: every tenant whose stages include the stack's stage is a Tenant <tenant>.<cluster> on every cluster`, async () => {
      const plan = await planOf({ stack });
      const expected = tenantsOn(stack).flatMap((t) => clustersOf(stack).map((c) => `${t.name}.${c.name}`)).sort();
      assert.deepEqual(registrationsOf(plan, T.tenant).map((r) => r.name).sort(), expected);
    });
  }

  it("flask-app, a dev-only tenant, is on dev and not on prod", async () => {
    const dev = await planOf({ stack: "dev" });
    const prod = await planOf({ stack: "prod" });
    assert.ok(registrationsOf(dev, T.tenant).some((r) => r.name === "flask-app.dev-euw1"));
    assert.ok(!registrationsOf(prod, T.tenant).some((r) => r.name.startsWith("flask-app.")));
    assert.ok(registrationsOf(prod, T.tenant).some((r) => r.name.startsWith("app-a.")), "prod does carry tenants");
  });

  for (const stack of STACKS) {
    it(`${stack}: one read-only ED25519 deploy key per tenant and stage, and a write key only for the cluster running its image automation`, async () => {
      const plan = await planOf({ stack });
      const multiCluster = clustersOf(stack).length > 1;
      for (const t of tenantsOn(stack)) {
        const keys = registrationsOf(plan, T.deployKey).filter((r) => r.parent?.endsWith(`::${t.name}`));
        const expected = [...(!t.imageAutomation || multiCluster ? ["read"] : []), ...(t.imageAutomation ? ["write"] : [])];
        assert.deepEqual(keys.map((k) => (k.inputs.readOnly ? "read" : "write")).sort(), expected, t.name);
        for (const k of keys) {
          const role = k.inputs.readOnly ? "read" : "write";
          assert.equal(registration(plan, T.privateKey, `${t.name}-${role}-key`).inputs.algorithm, "ED25519");
          assert.equal(k.inputs.repository, t.source.repository.split("/")[1], t.name);
          assert.equal(k.inputs.key, standinKeyFor(`${t.name}-${role}-key`, "ED25519").publicKeyOpenssh, t.name);
        }
      }
    });

    it(`${stack}: each tenant's objects.yaml holds its deploy key as a SealedSecret that only the cluster's sealing key opens, for that namespace and name`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        for (const t of tenantsOn(stack)) {
          const ns = namespaceOf(t);
          const secretName = `${t.name}-deploy-key`;
          const objects = fileObjects(plan, `tenants/${c.name}/${t.name}/objects.yaml`);
          const sealed = objects.find((o) => o.kind === "SealedSecret" && o.metadata.name === secretName);
          assert.ok(sealed, `${c.name}/${t.name} has a SealedSecret ${secretName}`);
          assert.equal(sealed.metadata.namespace, ns);
          const encrypted = (sealed.spec as { encryptedData: Record<string, string> }).encryptedData;
          const role = t.imageAutomation && c.name === automationClusterOf(stack) ? "write" : "read";
          const key = standinKeyFor(`${t.name}-${role}-key`, "ED25519");
          const open = (field: string) => unseal(encrypted[field], STANDIN_SEALING_KEY_PEM, { namespace: ns, name: secretName }).toString("utf8");
          assert.equal(open("identity"), key.privateKeyPem);
          assert.equal(open("identity.pub"), key.publicKeyOpenssh);
          assert.equal(open("known_hosts"), GITHUB_KNOWN_HOSTS);
          assert.throws(() => unseal(encrypted.identity, STANDIN_SEALING_KEY_PEM, { namespace: `${ns}-other`, name: secretName }), /cannot unseal/, "strict scope: no other namespace opens it");
        }
      }
    });

    it(`${stack}: every Tenant waits for its cluster's FluxInstance and Sealed Secrets chart`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const instance = registration(plan, T.fluxInstance, `${c.name}-flux-instance`).urn;
        const chart = registration(plan, T.chart, `${c.name}-sealed-secrets-chart`).urn;
        for (const t of tenantsOn(stack)) {
          const tenant = registration(plan, T.tenant, `${t.name}.${c.name}`);
          assert.ok(tenant.dependsOn.includes(instance), `${tenant.name} waits for ${instance}`);
          assert.ok(tenant.dependsOn.includes(chart), `${tenant.name} waits for ${chart}`);
        }
      }
    });

    it(`${stack}: each cluster's whole fleet tree (entry point, infrastructure, every tenant folder) is one FleetCommit to the fleet repository and branch`, async () => {
      const plan = await planOf({ stack });
      const fleet = fleetRepositoryOf(stack);
      for (const c of clustersOf(stack)) {
        const commit = registration(plan, T.fleetCommit, `fleet.${c.name}`);
        assert.equal(commit.inputs.owner, fleet.repository.split("/")[0]);
        assert.equal(commit.inputs.repository, fleet.repository.split("/")[1]);
        assert.equal(commit.inputs.branch, fleet.branch);
        assert.deepEqual(commit.inputs.prefixes, [`clusters/${c.name}/`, `infrastructure/${c.name}/`, `tenants/${c.name}/`]);
        const files = Object.keys(commit.inputs.files as object);
        for (const t of tenantsOn(stack)) {
          const dir = `tenants/${c.name}/${t.name}`;
          assert.deepEqual(files.filter((f) => f.startsWith(`${dir}/`)).sort(), [`${dir}/kustomization.yaml`, `${dir}/objects.yaml`]);
          assert.deepEqual(fileObjects(plan, `${dir}/kustomization.yaml`)[0].resources, ["objects.yaml"]);
        }
      }
      assert.equal(registrationsOf(plan, T.fleetCommit).length, clustersOf(stack).length, "one commit per cluster");
    });

    it(`${stack}: clusters/<cluster>/platform.yaml applies infrastructure first, then the add-ons and the tenants, as Flux's own applier`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        assert.deepEqual(fileObjects(plan, `clusters/${c.name}/kustomization.yaml`)[0].resources, ["platform.yaml"]);
        const entry = fileObjects(plan, `clusters/${c.name}/platform.yaml`);
        assert.deepEqual(entry.map((o) => `${o.kind}/${o.metadata.name}`), ["Kustomization/infrastructure", "Kustomization/addons", "Kustomization/tenants"]);
        const [infra, addons, tenants] = entry.map((o) => o.spec as { path: string; dependsOn?: { name: string }[]; serviceAccountName: string; wait: boolean });
        assert.equal(infra.path, `./infrastructure/${c.name}`);
        assert.equal(addons.path, `./infrastructure/${c.name}/addons`);
        assert.equal(tenants.path, `./tenants/${c.name}`);
        assert.deepEqual(tenants.dependsOn, [{ name: "infrastructure" }], "tenants wait for the policies, not for the add-ons");
        assert.deepEqual(addons.dependsOn, [{ name: "infrastructure" }]);
        assert.deepEqual([infra.wait, addons.wait], [true, true]);
        assert.deepEqual(fileObjects(plan, `infrastructure/${c.name}/kustomization.yaml`)[0].resources, ["objects.yaml"], "the add-ons folder is not part of infrastructure's build");
        for (const spec of [infra, addons, tenants]) assert.equal(spec.serviceAccountName, "kustomize-controller");
      }
    });

    it(`${stack}: tenants/<cluster>/kustomization.yaml lists exactly the tenants on that cluster`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const listed = fileObjects(plan, `tenants/${c.name}/kustomization.yaml`)[0].resources as string[];
        assert.deepEqual(listed, tenantsOn(stack).map((t) => t.name).sort());
        for (const t of listed) assert.doesNotThrow(() => fleetFile(plan, `tenants/${c.name}/${t}/kustomization.yaml`), `${t} has a folder`);
      }
    });
  }

  it("every file in the fleet repository is written once", async () => {
    for (const stack of STACKS) {
      const files = fleetFiles(await planOf({ stack })).map((f) => String(f.inputs.file));
      assert.deepEqual(files.filter((f, i) => files.indexOf(f) !== i), [], stack);
    }
  });
});

describe("program: webhooks", () => {
  it("receiverPath is /hook/ and the hex SHA-256 of token, name and namespace, as Flux serves a Receiver", () => {
    // Reference value computed outside this code base (Python hashlib) for these inputs.
    assert.equal(receiverPath("0123456789abcdef", "app-a", "team-a"), "/hook/fdaaf29b5045553d1aa21d7128c61294f91cf247c812ab9bad63c50fe3e7c665");
  });

  for (const stack of STACKS) {
    it(`${stack}: each tenant's webhook posts pushes to its cluster's receiver at /hook/<sha256(token+name+namespace)>, and the plan shows neither URL nor token`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        assert.ok(c.receiver, `premise: ${c.name} declares a receiver`);
        for (const t of tenantsOn(stack)) {
          const name = `${t.name}.${c.name}`;
          const webhook = registration(plan, T.webhook, `${name}-webhook`);
          const configuration = webhook.inputs.configuration as Record<string, unknown>;
          assert.equal(configuration.url, REDACTED, "derived from the secret token, so secret in the plan");
          assert.equal(configuration.secret, REDACTED);
          assert.deepEqual(webhook.inputs.events, ["push"]);
          assert.equal(webhook.inputs.repository, t.source.repository.split("/")[1]);

          const token = received(plan, T.randomPassword, `${name}-webhook-token`).state.result as string;
          assert.match(token, /^[0-9a-f]{40}$/, "the stand-in RandomPassword");
          const sent = received(plan, T.webhook, `${name}-webhook`).inputs.configuration as Record<string, unknown>;
          assert.equal(sent.url, `https://${c.receiver.host}/hook/${sha256Hex(token + t.name + namespaceOf(t))}`);
          assert.equal(sent.url, `https://${c.receiver.host}${receiverPath(token, t.name, namespaceOf(t))}`);
          assert.equal(sent.secret, token);
        }
      }
    });

    it(`${stack}: the Receiver's token, sealed into the tenant's objects, is the webhook's secret`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        for (const t of tenantsOn(stack)) {
          const ns = namespaceOf(t);
          const objects = fileObjects(plan, `tenants/${c.name}/${t.name}/objects.yaml`);
          const receiver = objects.find((o) => o.kind === "Receiver");
          assert.ok(receiver, `${c.name}/${t.name} has a Receiver`);
          const secretName = (receiver.spec as { secretRef: { name: string } }).secretRef.name;
          const sealed = objects.find((o) => o.kind === "SealedSecret" && o.metadata.name === secretName);
          assert.ok(sealed, `the Receiver's secret ${secretName} is delivered sealed`);
          const encrypted = (sealed.spec as { encryptedData: Record<string, string> }).encryptedData;
          const token = unseal(encrypted.token, STANDIN_SEALING_KEY_PEM, { namespace: ns, name: secretName }).toString("utf8");
          assert.equal(token, received(plan, T.randomPassword, `${t.name}.${c.name}-webhook-token`).state.result);
        }
      }
    });
  }
});

describe("program: resource names", () => {
  it("names built from tenant, cluster and repository names never collide, even where dashes would make them ambiguous", async () => {
    // Under a `<tenant>-<cluster>` scheme, tenant a-b on cluster c and tenant a on cluster b-c were one name.
    const base = (stackFile("dev").config["platform:clusters"] as Record<string, unknown>[])[0];
    const clusters = [
      { ...base, name: "c", vpcCidr: "10.10.0.0/16" },
      { ...base, name: "b-c", vpcCidr: "10.11.0.0/16", receiver: { host: "flux-webhook.b-c.dev.acme.example", tls: { managed: true } } },
    ];
    const tenant = (name: string, ecr: string[]) => ({ name, owners: ["team-a"], source: { repository: `acme/${name}` }, quota: { cpu: "1", memory: "1Gi" }, ecr });
    const dir = tenantsDir((tenants) => {
      for (const k of Object.keys(tenants)) delete tenants[k];
      tenants["a"] = tenant("a", ["b-c", "registry-c"]);
      tenants["a-b"] = tenant("a-b", ["c"]);
      tenants["a-registry"] = tenant("a-registry", ["c"]);
      tenants["c-flux"] = tenant("c-flux", []);
    });
    const plan = await planOf({ stack: "dev", tenantsDir: dir, config: { "platform:clusters": JSON.stringify(clusters) } });
    const keys = plan.registrations.map((r) => `${r.type}::${r.name}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], "every type and name is registered once");
    assert.ok(hasRegistration(plan, T.tenant, "a-b.c") && hasRegistration(plan, T.tenant, "a.b-c"), "both tenants on both clusters, apart");
  });
});

describe("program: clusters without a declared receiver", () => {
  it("a cluster that does not declare how GitHub reaches its receiver gets no GitHub webhook, no Receiver and no receiver Ingress: tenants poll", async () => {
    const clusters = (stackFile("dev").config["platform:clusters"] as Record<string, unknown>[]).map(({ receiver: _receiver, ...c }) => c);
    const plan = await planOf({ stack: "dev", config: { "platform:clusters": JSON.stringify(clusters) } });
    assert.deepEqual(registrationsOf(plan, T.webhook), []);
    assert.deepEqual(registrationsOf(plan, T.randomPassword).filter((r) => r.name.endsWith("-webhook-token")), []);
    for (const t of tenantsOn("dev")) {
      const kinds = fileObjects(plan, `tenants/dev-euw1/${t.name}/objects.yaml`).map((o) => o.kind);
      assert.ok(!kinds.includes("Receiver"), `${t.name} has no Receiver`);
      assert.ok(kinds.includes("GitRepository"), `${t.name} still syncs (by polling)`);
    }
    assert.ok(!fileObjects(plan, "infrastructure/dev-euw1/objects.yaml").some((o) => o.kind === "Ingress"), "no receiver Ingress");
  });
});

describe("program: stack config errors", () => {
  it("an invalid stack config value is reported like a tenant file error, as a RunError, before anything is registered", async () => {
    const { error, requested } = await planFailure({ stack: "dev", config: { "platform:delivery": "sideways" } });
    assert.ok(pulumi.RunError.isInstance(error), `a RunError (no stack trace for a user's mistake), got ${String(error)}`);
    assert.match((error as Error).message, /Pulumi\.dev\.yaml: platform:delivery \("sideways"\): must be one of "gitops", "direct"/);
    assert.deepEqual(requested, []);
  });
});

describe("program: determinism", () => {
  it("two runs of the dev stack register identical resources and outputs", async () => {
    const first = await planOf({ stack: "dev" });
    const second = await runPlan({ stack: "dev" });
    assert.ok(second !== first && second.registrations.length > 0);
    assert.deepEqual(second.registrations, first.registrations);
    assert.deepEqual(second.outputs, first.outputs);
  });
});
