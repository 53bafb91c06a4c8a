import type { StageTenant } from "../resolve";
import type { ImageSpec } from "../tenant-schema";
import type { ClusterContext, ResolvedValues } from "./context";
import { API, names, tenantMeta, type K8sObject } from "./meta";

/** Whether the tenant scans its own ECR repositories (and so needs the image reader identity). */
export const scansEcr = (t: Pick<StageTenant, "imageAutomation">): boolean => t.imageAutomation?.images.some((i) => i.ecr !== undefined) ?? false;

/**
 * Image automation (seed: Sock Shop front-end): scan the registry, pick the newest tag the policy
 * allows, and commit it to the team's repository where a `# {"$imagepolicy": "<ns>:<name>"}`
 * marker sits. It runs on the stage's one image-automation cluster only (several clusters pushing
 * the same branch would race), which alone holds the tenant's write key.
 */
export function imageAutomationObjects(t: StageTenant, ctx: ClusterContext, values: ResolvedValues): K8sObject[] {
  const ia = t.imageAutomation;
  if (!ia || !ctx.imageAutomation) return [];
  const perImage = ia.images.flatMap((img) => [imageRepository(t, img, ia.interval, values), imagePolicy(t, img)]);
  const branch = ia.branch ?? t.source.branch;
  return [
    ...(scansEcr(t) ? [imageReader(t, values)] : []),
    ...perImage,
    {
      apiVersion: API.image,
      kind: "ImageUpdateAutomation",
      metadata: tenantMeta(t, t.name),
      spec: {
        interval: ia.interval,
        sourceRef: { kind: "GitRepository", name: t.name },
        git: {
          checkout: { ref: { branch } },
          commit: {
            author: { name: ia.author.name, email: ia.author.email },
            messageTemplate: COMMIT_TEMPLATE,
          },
          push: { branch },
        },
        update: { path: ia.path, strategy: "Setters" },
      },
    },
  ];
}

/** Lists every image the automation changed, so the team's history says what moved and why. */
export const COMMIT_TEMPLATE = [
  "chore(images): update {{ len .Changed.Changes }} image(s)",
  "",
  "{{ range .Changed.Changes -}}",
  "- {{ .OldValue }} -> {{ .NewValue }}",
  "{{ end -}}",
].join("\n");

/**
 * The identity the image-reflector-controller takes on for this tenant's ECR repositories (Flux
 * object-level workload identity): an IAM role only this service account may assume, allowed to
 * read only this tenant's repositories. Platform-owned, so the tenant cannot re-point it.
 */
function imageReader(t: StageTenant, values: ResolvedValues): K8sObject {
  if (!values.ecrReaderRoleArn) throw new Error(`no ECR reader role resolved for ${t.name}`);
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: tenantMeta(t, names.imageReader(t.name), { "eks.amazonaws.com/role-arn": values.ecrReaderRoleArn }),
    automountServiceAccountToken: false,
  };
}

function imageRepository(t: StageTenant, img: ImageSpec, interval: string, values: ResolvedValues): K8sObject {
  const ecrUrl = img.ecr ? values.ecrUrls[img.ecr] : undefined;
  if (img.ecr && !ecrUrl) throw new Error(`no ECR URL resolved for ${t.name}/${img.ecr}`);
  return {
    apiVersion: API.image,
    kind: "ImageRepository",
    metadata: tenantMeta(t, img.name),
    spec: {
      image: ecrUrl ?? img.image,
      interval,
      // ECR is read as the tenant's own image reader (IRSA through the controller), not with a
      // credential Secret and not with a role shared by every tenant.
      ...(ecrUrl ? { provider: "aws", serviceAccountName: names.imageReader(t.name) } : {}),
    },
  };
}

function imagePolicy(t: StageTenant, img: ImageSpec): K8sObject {
  const p = img.policy;
  const policy = "semver" in p ? { semver: { range: p.semver } } : "numerical" in p ? { numerical: p.numerical } : { alphabetical: p.alphabetical };
  return {
    apiVersion: API.image,
    kind: "ImagePolicy",
    metadata: tenantMeta(t, img.name),
    spec: {
      imageRepositoryRef: { name: img.name },
      policy,
      ...(img.filterTags ? { filterTags: img.filterTags } : {}),
    },
  };
}
