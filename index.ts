import { gitHostOf } from "./lib/git-host";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksCluster, type PlatformCluster } from "./components/eks-cluster";
import { ExistingCluster } from "./components/existing-cluster";
import { FleetCommit } from "./components/fleet-commit";
import { clusterPrefixes, FleetRepository, fleetFiles } from "./components/fleet-repository";
import { FluxBootstrap } from "./components/flux-bootstrap";
import { SealedSecretsController } from "./components/sealed-secrets-controller";
import { Tenant } from "./components/tenant";
import { TenantDeployKeys } from "./components/tenant-deploy-keys";
import { TenantRegistry } from "./components/tenant-registry";
import { platformConfig, platformSecrets } from "./lib/config";
import { isValidationError, ValidationError } from "./lib/errors";
import { clusterContexts } from "./lib/objects/context";
import { addonObjects } from "./lib/objects/addons";
import { platformObjects } from "./lib/objects/platform";
import { githubOwners, loadProject, missingGithubTokens, missingSecrets, requiredSecrets, SECRET_KEY, stackFileName, tenantsOnStage, type LoadedProject } from "./lib/project";
import { removalProblems, tenantKey, type PreviousTenant } from "./lib/removal";
import { resolveForStage } from "./lib/resolve";
import { imageAutomationCluster, isExisting } from "./lib/stack-schema";
import { ecrRepositories } from "./lib/tenant-schema";

/**
 * GitHub allows about 80 content-creating requests a minute (and 500 an hour): one write a second
 * stays under the first, and rate-limited or failed writes are retried. What the hourly limit
 * leaves undone, the next `up` finishes (nothing is written twice).
 */
const GITHUB_PACING = { writeDelayMs: 1000, maxRetries: 5, retryDelayMs: 5000, retryableErrors: [403, 429, 500, 502, 503, 504] };

/**
 * The platform program: check → build → register. Everything a stack creates follows from
 * `Pulumi.<stack>.yaml` and the files in `tenants/`; nothing here depends on the stack's name.
 */
export = async () => {
  const { stack, tenants } = await checkInputs();
  const secrets = platformSecrets();
  const onStage = tenantsOnStage(tenants, stack.stage);

  const git = gitHostOf(stack.gitHost);
  // A GitHub App installation token covers one owner: each owner may have its own token.
  const githubConfig = new pulumi.Config("github");
  const githubToken = githubConfig.getSecret("token");
  const tokenFor = (owner: string) => githubConfig.getSecret(`token-${owner}`) ?? githubToken;
  const githubProviders = new Map<string, github.Provider>();
  const githubFor = (owner: string) => {
    if (!githubProviders.has(owner)) githubProviders.set(owner, new github.Provider(`github-${owner}`, { owner, token: tokenFor(owner), baseUrl: git.apiUrl, ...GITHUB_PACING }));
    return githubProviders.get(owner)!;
  };
  const fleetOwner = stack.fleet.repository.split("/")[0];

  const registries = new Map(onStage.filter((t) => !t.decommission && t.ecr.length > 0).map((t) => [t.name, new TenantRegistry(t.name, { tenant: t.name, repositories: ecrRepositories(t) })]));
  const fleetRepo = new FleetRepository("fleet", { fleet: stack.fleet }, { provider: githubFor(fleetOwner) });

  const contexts = clusterContexts(stack, git);
  const live = onStage.filter((t) => !t.decommission);
  const automationCluster = imageAutomationCluster(stack);
  // One deploy key per tenant and stage, shared by the stage's clusters; a write key only where
  // the tenant's image automation runs.
  const keys = new Map(live.map((t) => [t.name, new TenantDeployKeys(t.name, {
    tenant: resolveForStage(t, stack.stage),
    read: !t.imageAutomation || stack.clusters.length > 1,
    write: t.imageAutomation ? { cluster: automationCluster } : undefined,
    githubProvider: githubFor(t.source.repository.split("/")[0]),
  })]));

  const clusterOutputs: Record<string, unknown> = {};
  const tenantOutputs: Record<string, unknown> = {};
  for (const ctx of contexts) {
    const clusterConfig = stack.clusters.find((c) => c.name === ctx.cluster)!;
    const cluster: PlatformCluster = isExisting(clusterConfig)
      ? new ExistingCluster(clusterConfig.name, { config: clusterConfig })
      : new EksCluster(clusterConfig.name, {
        config: clusterConfig,
        deployerRoleArn: stack.deployerRoleArn,
        runnerCidrs: stack.ci?.runnerCidrs,
        addons: { versions: stack.addons, zones: stack.dns?.zones, extraHosts: ctx.receiver ? [ctx.receiver.host] : [] },
      });
    const onCluster = { provider: cluster.provider };
    const platform = platformObjects(ctx);
    const addons = cluster.addonValues?.apply(addonObjects);

    const sealing = new SealedSecretsController(`${ctx.cluster}-sealed-secrets`, stack.sealedSecrets, onCluster);
    const flux = new FluxBootstrap(`${ctx.cluster}-flux`, {
      cluster: ctx.cluster,
      flux: stack.flux,
      fleet: stack.fleet,
      git,
      fleetRepositoryName: fleetRepo.repositoryName,
      imageAutomation: ctx.imageAutomation && live.some((t) => t.imageAutomation),
    }, { ...onCluster, providers: { github: githubFor(fleetOwner) } });
    // Custom resources need their CRDs: tenant objects wait for Flux and the Sealed Secrets controller,
    // and so are destroyed before them.
    const controllers = [flux.instance, sealing.chart];

    // Direct delivery: Ingresses go on destroy while the load balancer controller still runs (its
    // finalizer deletes their load balancers, which would otherwise keep the VPC from being deleted),
    // so the receiver's Ingress, and tenants, depend on the group holding the add-ons.
    let tenantsAfter: pulumi.Resource[] = controllers;
    if (stack.delivery === "direct") {
      const ingresses = platform.filter((o) => o.kind === "Ingress");
      const rest = platform.filter((o) => o.kind !== "Ingress");
      const group = new k8s.yaml.v2.ConfigGroup(`${ctx.cluster}-platform`, { objs: pulumi.output(addons ?? []).apply((a) => [...rest, ...a]) }, { ...onCluster, dependsOn: controllers });
      if (ingresses.length > 0) new k8s.yaml.v2.ConfigGroup(`${ctx.cluster}-ingresses`, { objs: ingresses }, { ...onCluster, dependsOn: [group] });
      tenantsAfter = [...controllers, group];
    }

    const tenantFiles: Record<string, pulumi.Input<string>> = {};
    for (const [i, t] of onStage.entries()) {
      // With hundreds of tenants, let earlier registrations complete before building more, so
      // memory holds a window of pending resources instead of all of them.
      if (i > 0 && i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      const stageKeys = keys.get(t.name);
      const registry = registries.get(t.name);
      const tenant = new Tenant(`${t.name}.${ctx.cluster}`, {
        tenant: resolveForStage(t, stack.stage),
        context: ctx,
        delivery: stack.delivery,
        sealing: { certificatePem: sealing.certificatePem, nonceKey: sealing.nonceKey },
        protectNamespace: stack.protectNamespaces,
        secrets: {
          slackWebhook: secrets.get(SECRET_KEY.slackWebhook(t.name)),
          githubStatusToken: secrets.get(SECRET_KEY.githubStatusToken(t.name)),
        },
        deployKey: ctx.imageAutomation && t.imageAutomation ? stageKeys?.write : stageKeys?.read,
        ecr: registry && cluster.oidc ? { urls: registry.urls, arns: registry.arns, oidc: cluster.oidc } : undefined,
        githubProvider: githubFor(t.source.repository.split("/")[0]),
      }, { ...onCluster, dependsOn: tenantsAfter });
      Object.assign(tenantFiles, tenant.fleetFiles ?? {});
      tenantOutputs[tenantKey(t.name, ctx.cluster)] = {
        namespace: tenant.namespace,
        decommissioned: t.decommission,
        repository: tenant.repository,
        readOnlyDeployKey: tenant.readOnly,
        deployKeyFingerprint: tenant.deployKeyFingerprint,
      };
    }
    // The cluster's whole tree in one commit: the tenants index never lists a folder ahead of it.
    const files = { ...fleetFiles({ cluster: ctx.cluster, delivery: stack.delivery, syncInterval: stack.flux.syncInterval, platformObjects: platform, addonObjects: addons, tenants: onStage.map((t) => t.name) }), ...tenantFiles };
    new FleetCommit(`fleet.${ctx.cluster}`, {
      apiUrl: git.apiUrl,
      owner: fleetOwner,
      repository: fleetRepo.repositoryName,
      branch: stack.fleet.branch,
      prefixes: clusterPrefixes(ctx.cluster),
      files,
      token: tokenFor(fleetOwner),
      commitMessage: `platform: update ${ctx.cluster}`,
    });
    clusterOutputs[ctx.cluster] = {
      endpoint: cluster.endpoint,
      kubeconfig: cluster.kubeconfig,
      sealingCertificate: sealing.certificatePem,
      fleetPath: `clusters/${ctx.cluster}`,
      fleetDeployKeyFingerprint: flux.deployKeyFingerprint,
    };
  }

  return { stage: stack.stage, delivery: stack.delivery, clusters: clusterOutputs, tenants: tenantOutputs };
};

/** Validates the stack config, the tenant files and the secrets they need, all before any resource exists. */
async function checkInputs(): Promise<LoadedProject> {
  const secrets = platformSecrets();
  try {
    const project = loadProject({ projectDir: __dirname, stack: pulumi.getStack(), config: platformConfig() });
    const problems = [
      ...missingSecrets(requiredSecrets(project.tenants, project.stack.stage), (k) => secrets.has(k), project.stackName),
      ...missingGithubTokens(githubOwners(project.stack, project.tenants), hasGithubToken, project.stackName, stackFileName(project.stackName)),
      ...removalProblems(await previousTenants(), project.tenants, project.stack.stage, project.stack.clusters.map((c) => c.name), stackFileName(project.stackName)),
    ];
    if (problems.length > 0) throw new ValidationError(problems);
    return project;
  } catch (e) {
    // A user's mistake is reported as the list of problems, without a stack trace.
    if (isValidationError(e)) throw new pulumi.RunError(e.message);
    throw e;
  }
}

/** A GitHub token config key is set; `github:token` may also come from the provider's GITHUB_TOKEN. */
function hasGithubToken(key: string): boolean {
  return Boolean(pulumi.runtime.allConfig()[key]) || (key === "github:token" && Boolean(process.env.GITHUB_TOKEN));
}

/** The `tenants` output of this stack's last update, read through a reference to the stack itself. */
async function previousTenants(): Promise<Record<string, PreviousTenant>> {
  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
  const value = await new Promise<unknown>((resolve) => self.getOutput("tenants").apply(resolve));
  return (value ?? {}) as Record<string, PreviousTenant>;
}
