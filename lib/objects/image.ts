import type { StageTenant } from "../resolve";
import type { ImageSpec } from "../tenant-schema";
import type { ResolvedValues } from "./context";
import { API, tenantMeta, type K8sObject } from "./meta";

/**
 * Image automation (seed: Sock Shop front-end): scan the registry, pick the newest tag the policy
 * allows, and commit it to the team's repository where a `# {"$imagepolicy": "<ns>:<name>"}`
 * marker sits. It pushes with the tenant's deploy key, which is therefore write-enabled.
 */
export function imageAutomationObjects(t: StageTenant, values: ResolvedValues): K8sObject[] {
  const ia = t.imageAutomation;
  if (!ia) return [];
  const perImage = ia.images.flatMap((img) => [imageRepository(t, img, ia.interval, values), imagePolicy(t, img)]);
  const branch = ia.branch ?? t.source.branch;
  return [
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
      // ECR is read with the image-reflector-controller's IAM role (IRSA), not a credential Secret.
      ...(ecrUrl ? { provider: "aws" } : {}),
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
