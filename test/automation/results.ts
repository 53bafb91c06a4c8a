/** Ready-made results for tests of rendering and exit codes. */
import type { ProtectedDeletion } from "../../automation/changes";
import type { StackResult } from "../../automation/driver";

export const BUCKET_DELETE_PROTECTED: ProtectedDeletion = {
  op: "delete",
  type: "aws:s3/bucket:Bucket",
  name: "state",
  urn: "urn:pulumi:dev::platform::aws:s3/bucket:Bucket::state",
};

export function okResult(name: string): StackResult {
  return {
    name,
    command: "preview",
    status: "succeeded",
    changes: {},
    tenants: [],
    namespaceDeletions: [],
    protectedDeletions: [],
    accessGrants: [],
    error: null,
  };
}
