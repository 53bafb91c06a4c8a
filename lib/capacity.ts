import type { Problem } from "./errors";
import { quantityValue } from "./rules";
import { isExisting, type StackConfig } from "./stack-schema";
import type { Tenant } from "./tenants";

/**
 * The most a cluster could ever hold, to refuse a quota no cluster of its stage could honour.
 *
 * It is an upper bound read from instance type names, not a catalogue: EC2 names say the size
 * (`large` = 2 vCPUs, `xlarge` = 4, `<n>xlarge` = 4n; `medium` and smaller at most 2) and the family
 * (the letters before the generation digit), and each family has a largest memory per vCPU
 * (below). A node group holds at most maxSize nodes of its largest listed type. Allocatable is less
 * (system reservations), so a quota within the bound may still not fit, but one above it never can.
 * Pods are not bounded (max pods per node depends on the instance's network interfaces and the CNI
 * settings). A type whose name does not follow the convention (`*.metal`, an unknown family) makes
 * its cluster unbounded, and so does an existing cluster, whose nodes the program does not know:
 * then nothing is refused.
 */
const GIB_PER_VCPU: Record<string, number> = {
  a: 4, c: 4, m: 4, t: 4, h: 4, vt: 4, inf: 8,
  d: 8, dl: 8, g: 8, gr: 8, i: 8, im: 8, is: 8, r: 8, z: 8,
  f: 16, hpc: 16, p: 16, trn: 16,
  x: 32, u: 64,
};

export interface InstanceBound {
  vcpus: number;
  memoryGiB: number;
}

/** The upper bound of one instance type, or undefined when its name does not tell. */
export function instanceBound(type: string): InstanceBound | undefined {
  const m = /^([a-z]+)-?\d[a-z0-9-]*\.([a-z0-9-]+)$/.exec(type);
  const perVcpu = m ? GIB_PER_VCPU[m[1]] : undefined;
  if (!m || perVcpu === undefined) return undefined;
  const size = m[2];
  let vcpus: number | undefined;
  if (["nano", "micro", "small", "medium", "large"].includes(size)) vcpus = 2;
  else if (size === "xlarge") vcpus = 4;
  else {
    const n = /^(\d+)xlarge$/.exec(size) ?? /^metal-(\d+)xl$/.exec(size);
    vcpus = n ? 4 * Number(n[1]) : undefined;
  }
  return vcpus === undefined ? undefined : { vcpus, memoryGiB: vcpus * perVcpu };
}

export interface ClusterBound extends InstanceBound {
  cluster: string;
  /** How it was reckoned, e.g. "3 × t3.large". */
  nodes: string;
}

/** The most a cluster could hold with every node group at maxSize, or undefined when unknown. */
export function clusterBound(c: StackConfig["clusters"][number]): ClusterBound | undefined {
  if (isExisting(c)) return undefined;
  let vcpus = 0;
  let memoryGiB = 0;
  const parts: string[] = [];
  for (const g of c.nodeGroups) {
    const bounds = g.instanceTypes.map(instanceBound);
    if (bounds.some((b) => b === undefined)) return undefined;
    vcpus += g.maxSize * Math.max(...bounds.map((b) => b!.vcpus));
    memoryGiB += g.maxSize * Math.max(...bounds.map((b) => b!.memoryGiB));
    parts.push(`${g.maxSize} × ${g.instanceTypes.join("/")}`);
  }
  return { cluster: c.name, vcpus, memoryGiB, nodes: parts.join(" + ") };
}

/**
 * A tenant's quota (for this stack's stage, overrides included) must fit the largest cluster of the
 * stage: a quota larger than every cluster could ever hold is a typo (`cpu: "400"` for "4") or a
 * promise the platform cannot keep.
 */
export function checkQuotaCapacity(stack: StackConfig, stackFile: string, tenants: Tenant[]): Problem[] {
  const bounds = stack.clusters.map(clusterBound);
  if (bounds.length === 0 || bounds.some((b) => b === undefined)) return [];
  const largest = (key: "vcpus" | "memoryGiB") => bounds.reduce((a, b) => (b![key] > a![key] ? b : a))!;
  const cpu = largest("vcpus");
  const memory = largest("memoryGiB");
  const problems: Problem[] = [];
  for (const t of tenants.filter((x) => x.stages.includes(stack.stage) && !x.decommission)) {
    const override = t.overrides[stack.stage]?.quota;
    const quota = override ?? t.quota;
    const at = override ? `overrides.${stack.stage}.quota` : "quota";
    const hint = `lower it, or raise the node groups' maxSize in ${stackFile}`;
    if (quantityValue(quota.cpu) > cpu.vcpus) {
      problems.push({ file: t.file, field: `${at}.cpu`, value: quota.cpu, message: `is more CPU than any cluster of stage ${stack.stage} can ever hold (${cpu.cluster}: at most ${cpu.vcpus} vCPUs with ${cpu.nodes} nodes); ${hint}` });
    }
    if (quantityValue(quota.memory) > memory.memoryGiB * 2 ** 30) {
      problems.push({ file: t.file, field: `${at}.memory`, value: quota.memory, message: `is more memory than any cluster of stage ${stack.stage} can ever hold (${memory.cluster}: at most ${memory.memoryGiB}Gi with ${memory.nodes} nodes); ${hint}` });
    }
  }
  return problems;
}
