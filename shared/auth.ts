/** API-key roles. Each key belongs to one tenant; every query it makes is scoped to that tenant. */
import { z } from 'zod';

export const Role = z.enum(['agent', 'analyst', 'admin']);
export type Role = z.infer<typeof Role>;

/** What each role may do: agents give signals, analysts read them, admins do both and manage. */
export const ROLE_GRANTS: Record<Role, readonly Role[]> = {
  agent: ['agent'],
  analyst: ['analyst'],
  admin: ['agent', 'analyst', 'admin'],
};

/** GET /v1/whoami: who the presented key (or its absence, where the backend allows that) acts as. */
export const WhoAmI = z.object({ tenant: z.string(), role: Role, keyId: z.string().nullable() });
export type WhoAmI = z.infer<typeof WhoAmI>;
