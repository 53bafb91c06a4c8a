import { z } from "zod";
import { tenantSchema } from "../lib/tenant-schema";
const s = z.toJSONSchema(tenantSchema, { io: "input", unrepresentable: "any" });
console.log(JSON.stringify(s, null, 2));
