/** Version of every wire shape in this folder. Bump on a breaking change; both sides refuse other versions. */
export const SCHEMA_VERSION = 1 as const;
