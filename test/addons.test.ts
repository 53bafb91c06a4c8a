import * as assert from "node:assert/strict";
import type { K8sObject } from "../lib/objects/meta";
import { ADDON_SERVICE_ACCOUNTS } from "../lib/objects/addons";
import { reconcilerPatches } from "../lib/objects/tenant";
import { resolveForStage } from "../lib/resolve";
import { minimalTenant, tenantFrom } from "./helpers/fixtures";
import { fileObjects, planOf, registration, registrationsOf, received, refersTo, RESOURCE_TYPE as T, stackFile, type Plan } from "./mocks";

/**
 * The shared add-ons of every EKS cluster: IAM (trust and policies) and the AWS resources under
 * mocks, the in-cluster objects as the fleet holds them. The objects themselves are applied on
 * the real API server by test/cluster/plan-objects.test.ts.
 */
const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/rolePolicy:RolePolicy";
const STACKS = ["dev", "prod"] as const;

interface Cluster { name: string; region: string }
const clustersOf = (stack: string) => stackFile(stack).config["platform:clusters"] as Cluster[];
const zonesOf = (stack: string) => (stackFile(stack).config["platform:dns"] as { zones: { domain: string; hostedZoneId: string }[] }).zones;
const json = (v: unknown) => JSON.parse(String(v));
const trustOf = (plan: Plan, role: string) => json(registration(plan, ROLE, role).inputs.assumeRolePolicy).Statement as { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[];
const infraObjects = (plan: Plan, cluster: string) => fileObjects(plan, `infrastructure/${cluster}/addons/objects.yaml`);
const helmRelease = (plan: Plan, cluster: string, name: string) => {
  const r = infraObjects(plan, cluster).find((o) => o.kind === "HelmRelease" && o.metadata.name === name);
  assert.ok(r, `${cluster} has the HelmRelease ${name}`);
  return r as K8sObject & { spec: { values: Record<string, unknown>; serviceAccountName: string; targetNamespace: string; chart: { spec: { version: string } } } };
};

describe("cluster add-ons: IAM", () => {
  for (const stack of STACKS) {
    it(`${stack}: each add-on role is trusted only by its own service account, through its own cluster's OIDC provider`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const oidcArn = String(received(plan, T.eksCluster, `${c.name}-eks`).state.oidcProviderArn);
        for (const [role, account] of [["lb-controller", ADDON_SERVICE_ACCOUNTS.loadBalancerController], ["external-dns", ADDON_SERVICE_ACCOUNTS.externalDns], ["ebs-csi", ADDON_SERVICE_ACCOUNTS.ebsCsiController]] as const) {
          const [statement, ...more] = trustOf(plan, `${c.name}-addons-${role}`);
          assert.deepEqual(more, [], "one statement");
          assert.equal(statement.Principal.Federated, oidcArn, `${c.name} ${role}: this cluster's OIDC provider`);
          const conditions = Object.entries(statement.Condition.StringEquals);
          assert.deepEqual(conditions.filter(([k]) => k.endsWith(":sub")).map(([, v]) => v), [`system:serviceaccount:${account.namespace}:${account.name}`]);
          assert.deepEqual(conditions.filter(([k]) => k.endsWith(":aud")).map(([, v]) => v), ["sts.amazonaws.com"]);
        }
      }
    });

    it(`${stack}: ExternalDNS may change records only in the stage's declared hosted zones`, async () => {
      const plan = await planOf({ stack });
      const zoneArns = zonesOf(stack).map((z) => `arn:aws:route53:::hostedzone/${z.hostedZoneId}`);
      for (const c of clustersOf(stack)) {
        const statements = json(registration(plan, POLICY, `${c.name}-addons-external-dns`).inputs.policy).Statement as { Action: string[]; Resource: string | string[] }[];
        for (const s of statements) {
          const writes = s.Action.filter((a) => /Change|Create|Delete/.test(a));
          if (writes.length) assert.deepEqual(s.Resource, zoneArns, `${writes.join(",")} only in the declared zones`);
          else assert.ok(s.Action.every((a) => /^route53:(List|Get)/.test(a)), `unscoped statements only read: ${s.Action.join(",")}`);
        }
      }
    });

    it(`${stack}: the load balancer controller creates only resources tagged with its own cluster's name, and changes or deletes only those`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const statements = json(registration(plan, POLICY, `${c.name}-addons-lb-controller`).inputs.policy).Statement as { Action: string | string[]; Condition?: Record<string, Record<string, unknown>> }[];
        const scoped = (action: string) => statements.filter((s) => ([] as string[]).concat(s.Action).includes(action));
        for (const action of ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"]) {
          for (const s of scoped(action)) assert.equal(s.Condition?.StringEquals?.["aws:RequestTag/elbv2.k8s.aws/cluster"], c.name, `${action} is tagged for ${c.name}`);
        }
        for (const action of ["elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyLoadBalancerAttributes", "ec2:DeleteSecurityGroup"]) {
          assert.ok(scoped(action).length > 0, `${action} is granted`);
          for (const s of scoped(action)) assert.equal(s.Condition?.StringEquals?.["aws:ResourceTag/elbv2.k8s.aws/cluster"], c.name, `${action} only on ${c.name}'s resources`);
        }
        assert.ok(!statements.some((s) => ([] as string[]).concat(s.Action).some((a) => /^(wafv2|waf-regional|shield):/.test(a))), "no WAF or Shield: the chart is told not to use them");
      }
    });
  }
});

describe("cluster add-ons: AWS resources", () => {
  for (const stack of STACKS) {
    it(`${stack}: every EKS cluster runs the EBS CSI driver as a pinned EKS add-on with its own role`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const addon = registration(plan, "aws:eks/addon:Addon", `${c.name}-addons-ebs-csi`);
        assert.equal(addon.inputs.addonName, "aws-ebs-csi-driver");
        assert.match(String(addon.inputs.addonVersion), /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
        assert.equal(addon.inputs.serviceAccountRoleArn, received(plan, ROLE, `${c.name}-addons-ebs-csi`).state.arn);
        assert.ok(refersTo(addon.provider, registration(plan, "pulumi:providers:aws", `${c.name}-aws`)), "in the cluster's region");
      }
    });

    it(`${stack}: the EBS CSI add-on waits for every node group of its cluster (without nodes it stays DEGRADED until the create times out)`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const addon = registration(plan, "aws:eks/addon:Addon", `${c.name}-addons-ebs-csi`);
        const groups = registrationsOf(plan, T.nodeGroup).filter((g) => g.name.startsWith(`${c.name}-`));
        assert.ok(groups.length > 0, `${c.name} has node groups`);
        for (const g of groups) assert.ok(addon.dependsOn.includes(g.urn), `${c.name}: the add-on waits for ${g.name}`);
      }
    });

    it(`${stack}: each cluster has an ACM certificate for the stage's zones and its receiver host, DNS-validated in the zone`, async () => {
      const plan = await planOf({ stack });
      const zone = zonesOf(stack)[0];
      for (const c of clustersOf(stack) as (Cluster & { receiver: { host: string } })[]) {
        const cert = registration(plan, "aws:acm/certificate:Certificate", `${c.name}-addons-tls`);
        assert.deepEqual([cert.inputs.domainName, ...(cert.inputs.subjectAlternativeNames as string[])], [zone.domain, `*.${zone.domain}`, c.receiver.host]);
        assert.equal(cert.inputs.validationMethod, "DNS");
        const records = registrationsOf(plan, "aws:route53/record:Record").filter((r) => r.name.startsWith(`${c.name}-addons-tls-`));
        assert.deepEqual(records.map((r) => r.name).sort(), [`${c.name}-addons-tls-${c.receiver.host}`, `${c.name}-addons-tls-${zone.domain}`].sort(), "one record for the zone and its wildcard, one for the deeper receiver host");
        for (const r of records) assert.equal(r.inputs.zoneId, zone.hostedZoneId);
        const validation = registration(plan, "aws:acm/certificateValidation:CertificateValidation", `${c.name}-addons-tls`);
        assert.equal((validation.inputs.validationRecordFqdns as string[]).length, 2);
      }
    });

    it(`${stack}: every certificate validation record outlives the cluster that wrote it (ACM gives all regions the same record, so clusters share it)`, async () => {
      const plan = await planOf({ stack });
      const records = registrationsOf(plan, "aws:route53/record:Record").filter((r) => /-addons-tls-/.test(r.name));
      assert.ok(records.length >= clustersOf(stack).length, "each cluster validates its certificate");
      for (const r of records) assert.equal(r.retainOnDelete, true, `${r.name}: deleting it with one cluster would stop another cluster's certificate renewing`);
    });
  }

  it("prod: the two clusters' certificates are validated by one and the same record for the zone's domain", async () => {
    const plan = await planOf({ stack: "prod" });
    const zone = zonesOf("prod")[0];
    const names = clustersOf("prod").map((c) => received(plan, "aws:route53/record:Record", `${c.name}-addons-tls-${zone.domain}`).inputs.name);
    assert.equal(names.length, 2);
    assert.equal(new Set(names).size, 1, "one CNAME, written by both clusters: why it is retained on delete");
  });
});

describe("cluster add-ons: in-cluster objects in infrastructure/<cluster>/addons", () => {
  for (const stack of STACKS) {
    it(`${stack}: the load balancer controller is a pinned HelmRelease run by helm-controller, with its role, the VPC and region (pods cannot read instance metadata), and the default alb IngressClass`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const r = helmRelease(plan, c.name, "aws-load-balancer-controller");
        assert.equal(r.spec.serviceAccountName, "helm-controller", "not the multitenant default `default`");
        assert.equal(r.spec.targetNamespace, "kube-system");
        assert.equal(r.spec.chart.spec.version, "3.5.0");
        const v = r.spec.values as { clusterName: string; region: string; vpcId: string; serviceAccount: { name: string; annotations: Record<string, string> }; ingressClass: string; ingressClassConfig: { default: boolean }; defaultTargetType: string };
        assert.equal(v.clusterName, c.name);
        assert.equal(v.region, c.region);
        assert.match(v.vpcId, /^vpc-/);
        assert.equal(v.serviceAccount.name, ADDON_SERVICE_ACCOUNTS.loadBalancerController.name);
        assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], received(plan, ROLE, `${c.name}-addons-lb-controller`).state.arn);
        assert.equal(v.ingressClass, "alb");
        assert.deepEqual(v.ingressClassConfig, { default: true });
        assert.equal(v.defaultTargetType, "ip", "IP targets: traffic comes from the load balancers' subnets, which tenant NetworkPolicies admit");
      }
    });

    it(`${stack}: ExternalDNS owns records as its cluster, only for the declared zones, with its role`, async () => {
      const plan = await planOf({ stack });
      const zones = zonesOf(stack);
      for (const c of clustersOf(stack)) {
        const v = helmRelease(plan, c.name, "external-dns").spec.values as { txtOwnerId: string; domainFilters: string[]; extraArgs: string[]; serviceAccount: { annotations: Record<string, string> }; sources: string[] };
        assert.equal(v.txtOwnerId, c.name, "two clusters never take over each other's records");
        assert.deepEqual(v.domainFilters, zones.map((z) => z.domain));
        assert.deepEqual(v.extraArgs, zones.map((z) => `--zone-id-filter=${z.hostedZoneId}`));
        assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], received(plan, ROLE, `${c.name}-addons-external-dns`).state.arn);
        assert.deepEqual(v.sources, ["ingress"]);
      }
    });

    it(`${stack}: the default StorageClass is encrypted gp3 on the EBS CSI driver`, async () => {
      const plan = await planOf({ stack });
      for (const c of clustersOf(stack)) {
        const classes = infraObjects(plan, c.name).filter((o) => o.kind === "StorageClass");
        assert.equal(classes.length, 1);
        const sc = classes[0] as K8sObject & { provisioner: string; parameters: Record<string, string>; volumeBindingMode: string };
        assert.equal(sc.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], "true");
        assert.equal(sc.provisioner, "ebs.csi.aws.com");
        assert.deepEqual(sc.parameters, { type: "gp3", encrypted: "true" });
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer", "a volume is made in the zone of the pod that needs it");
      }
    });
  }
});

describe("tenant Kustomization patches", () => {
  it("every Kustomization and HelmRelease from a team's repository is patched to run as the tenant's reconciler, replacing what it names", () => {
    const t = resolveForStage(tenantFrom(minimalTenant("app-a")), "dev");
    const patches = reconcilerPatches(t);
    assert.deepEqual(patches.map((p) => `${p.target.group}/${p.target.kind}`), ["kustomize.toolkit.fluxcd.io/Kustomization", "helm.toolkit.fluxcd.io/HelmRelease"]);
    for (const p of patches) assert.deepEqual(JSON.parse(p.patch), [{ op: "add", path: "/spec/serviceAccountName", value: "app-a-reconciler" }], "JSON patch add replaces an existing value");
  });
});
