import { gitHostOf } from "./lib/git-host";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksCluster, type PlatformCluster } from "./components/eks-cluster";
import { ExistingCluster } from "./components/existing-cluster";
import { FleetRepository } from "./components/fleet-repository";
import { FluxBootstrap } from "./components/flux-bootstrap";
import { SealedSecretsController } from "./components/sealed-secrets-controller";
import { Tenant } from "./components/tenant";
import { TenantRegistry } from "./components/tenant-registry";
import { platformConfig, platformSecrets } from "./lib/config";
import { isValidationError, ValidationError } from "./lib/errors";
import type { ClusterContext } from "./lib/objects/context";
import { platformObjects } from "./lib/objects/platform";
import { loadProject, missingSecrets, requiredSecrets, SECRET_KEY, stackFileName, tenantsOnStage, type LoadedProject } from "./lib/project";
import { removalProblems, tenantKey, type PreviousTenant } from "./lib/removal";
import { resolveForStage } from "./lib/resolve";
import { isExisting } from "./lib/stack-schema";
import { ecrRepositories } from "./lib/tenant-schema";

/**
 * The platform program: check → build → register. Everything a stack creates follows from
 * `Pulumi.<stack>.yaml` and the files in `tenants/`; nothing here depends on the stack's name.
 */
export = async () => {
  const { stack, tenants } = await checkInputs();
  const secrets = platformSecrets();
  const onStage = tenantsOnStage(tenants, stack.stage);

  const git = gitHostOf(stack.gitHost);
  const githubToken = new pulumi.Config("github").getSecret("token");
  const githubProviders = new Map<string, github.Provider>();
  const githubFor = (owner: string) => {
    if (!githubProviders.has(owner)) githubProviders.set(owner, new github.Provider(`github-${owner}`, { owner, token: githubToken, baseUrl: git.apiUrl }));
    return githubProviders.get(owner)!;
  };
  const fleetOwner = stack.fleet.repository.split("/")[0];

  const registries = new Map(onStage.filter((t) => !t.decommission && t.ecr.length > 0).map((t) => [t.name, new TenantRegistry(`${t.name}-registry`, { tenant: t.name, repositories: ecrRepositories(t) })]));

  const contexts = new Map(stack.clusters.map((c): [string, ClusterContext] => [c.name, { cluster: c.name, stage: stack.stage, ingressNamespace: stack.ingressNamespace, receiverHost: c.receiverHost, git }]));
  const platform = new Map([...contexts].map(([name, ctx]) => [name, platformObjects(ctx, stack.ingressClassName)]));
  const fleetRepo = new FleetRepository("fleet", {
    fleet: stack.fleet,
    delivery: stack.delivery,
    syncInterval: stack.flux.syncInterval,
    clusters: stack.clusters.map((c) => ({ cluster: c.name, platformObjects: platform.get(c.name)!, tenants: onStage.map((t) => t.name) })),
  }, { provider: githubFor(fleetOwner) });

  const clusterOutputs: Record<string, unknown> = {};
  const tenantOutputs: Record<string, unknown> = {};
  const live = onStage.filter((t) => !t.decommission);
  for (const clusterConfig of stack.clusters) {
    const cluster: PlatformCluster = isExisting(clusterConfig)
      ? new ExistingCluster(clusterConfig.name, { config: clusterConfig })
      : new EksCluster(clusterConfig.name, { config: clusterConfig, deployerRoleArn: stack.deployerRoleArn });
    const onCluster = { provider: cluster.provider };
    const ctx = contexts.get(clusterConfig.name)!;

    const sealing = new SealedSecretsController(`${clusterConfig.name}-sealed-secrets`, stack.sealedSecrets, onCluster);
    const flux = new FluxBootstrap(`${clusterConfig.name}-flux`, {
      cluster: clusterConfig.name,
      flux: stack.flux,
      fleet: stack.fleet,
      git,
      fleetRepositoryName: fleetRepo.repositoryName,
      imageAutomation: live.some((t) => t.imageAutomation),
      ecrAccess: live.some((t) => t.imageAutomation?.images.some((i) => i.ecr)) && cluster.oidc ? { oidcArn: cluster.oidc.arn, oidcUrl: cluster.oidc.url } : undefined,
    }, { ...onCluster, providers: { github: githubFor(fleetOwner) } });
    // Custom resources need their CRDs: tenant objects wait for Flux and the Sealed Secrets controller,
    // and so are destroyed before them.
    const controllers = [flux.instance, sealing.chart];

    if (stack.delivery === "direct") {
      new k8s.yaml.v2.ConfigGroup(`${clusterConfig.name}-platform`, { objs: platform.get(clusterConfig.name)! }, { ...onCluster, dependsOn: controllers });
    }

    for (const [i, t] of onStage.entries()) {
      // With hundreds of tenants, let earlier registrations complete before building more, so
      // memory holds a window of pending resources instead of all of them.
      if (i > 0 && i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      const registry = registries.get(t.name);
      const tenant = new Tenant(`${t.name}-${clusterConfig.name}`, {
        tenant: resolveForStage(t, stack.stage),
        context: ctx,
        delivery: stack.delivery,
        sealing: { certificatePem: sealing.certificatePem, nonceKey: sealing.nonceKey },
        fleet: { repositoryName: fleetRepo.repositoryName, branch: stack.fleet.branch, provider: githubFor(fleetOwner) },
        protectNamespace: stack.protectNamespaces,
        secrets: {
          slackWebhook: secrets.get(SECRET_KEY.slackWebhook(t.name)),
          githubStatusToken: secrets.get(SECRET_KEY.githubStatusToken(t.name)),
        },
        ecr: registry && flux.imageReflectorRoleName ? { urls: registry.urls, arns: registry.arns, readerRoleName: flux.imageReflectorRoleName } : undefined,
        githubProvider: githubFor(t.source.repository.split("/")[0]),
      }, { ...onCluster, dependsOn: controllers });
      tenantOutputs[tenantKey(t.name, clusterConfig.name)] = {
        namespace: tenant.namespace,
        decommissioned: t.decommission,
        repository: tenant.repository,
        readOnlyDeployKey: tenant.readOnly,
        deployKeyFingerprint: tenant.deployKeyFingerprint,
      };
    }
    clusterOutputs[clusterConfig.name] = {
      endpoint: cluster.endpoint,
      kubeconfig: cluster.kubeconfig,
      sealingCertificate: sealing.certificatePem,
      fleetPath: `clusters/${clusterConfig.name}`,
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

/** The `tenants` output of this stack's last update, read through a reference to the stack itself. */
async function previousTenants(): Promise<Record<string, PreviousTenant>> {
  const self = new pulumi.StackReference(`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`);
  const value = await new Promise<unknown>((resolve) => self.getOutput("tenants").apply(resolve));
  return (value ?? {}) as Record<string, PreviousTenant>;
}
