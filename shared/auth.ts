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
