/**
 * The managed-storage schema Chrome reads (extension/public/managed-schema.json) and the zod schema the extension
 * parses policy with (shared/managed-settings.ts) describe the same settings:
 *
 * - the JSON schema is valid in Chrome's dialect (an invalid one stops the extension loading), checked by the rules
 *   of Chromium's components/policy/core/common/schema.cc: allowed attributes per type, `type` or `$ref` in every
 *   schema, `items` on arrays, non-empty typed enums, minimum ≤ maximum, no `additionalProperties` at the top;
 * - both have the same settings with the same types, enums, bounds and patterns;
 * - the sample policies in tests/fixtures/policies get the same verdict from both, value by value.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXTENSION_ID, extensionIdFromKey, GECKO_ID, MANIFEST_PUBLIC_KEY, manifestKey } from '../../../extension/manifest-key.ts';
import { HostConfig, MANAGED_POLICY_FIELDS, MANAGED_POLICY_KEYS, parseManagedPolicy } from '../../../shared/index.ts';

type Json = Record<string, unknown>;
const SCHEMA = JSON.parse(readFileSync('extension/public/managed-schema.json', 'utf8')) as Json;
const fixture = (name: string) => JSON.parse(readFileSync(`tests/fixtures/policies/${name}`, 'utf8')) as Json;

// Chromium schema.cc: the attributes each type allows, with the JSON type of each attribute's value.
const ATTRIBUTES: Record<string, Record<string, string>> = {
  array: { description: 'string', id: 'string', items: 'object', sensitiveValue: 'boolean', title: 'string', type: 'string' },
  boolean: { description: 'string', id: 'string', sensitiveValue: 'boolean', title: 'string', type: 'string' },
  integer: {
    description: 'string',
    enum: 'array',
    id: 'string',
    maximum: 'number',
    minimum: 'number',
    sensitiveValue: 'boolean',
    title: 'string',
    type: 'string',
  },
  number: { description: 'string', id: 'string', sensitiveValue: 'boolean', title: 'string', type: 'string' },
  object: {
    additionalProperties: 'object',
    description: 'string',
    id: 'string',
    patternProperties: 'object',
    properties: 'object',
    required: 'array',
    sensitiveValue: 'boolean',
    title: 'string',
    type: 'string',
  },
  string: { description: 'string', enum: 'array', id: 'string', pattern: 'string', sensitiveValue: 'boolean', title: 'string', type: 'string' },
  $ref: { description: 'string', $ref: 'string', title: 'string' },
};

const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Why Chrome would refuse `schema`, or undefined when it is valid. */
function schemaError(schema: unknown, path = '$'): string | undefined {
  if (jsonType(schema) !== 'object') return `${path}: a schema must be an object`;
  const s = schema as Json;
  const type = '$ref' in s ? '$ref' : s.type;
  if (type === undefined) return `${path}: each schema needs a 'type' or '$ref'`;
  if (typeof type !== 'string' || !(type in ATTRIBUTES)) return `${path}: unknown type ${JSON.stringify(type)}`;
  for (const [key, value] of Object.entries(s)) {
    const expected = ATTRIBUTES[type]![key];
    if (!expected) return `${path}: unknown attribute '${key}' for type ${type}`;
    if (jsonType(value) !== expected) return `${path}: attribute '${key}' must be ${expected}`;
  }
  if (s.enum !== undefined) {
    const items = s.enum as unknown[];
    const itemType = type === 'integer' ? 'number' : 'string';
    if (items.length === 0 || items.some((i) => typeof i !== itemType || (type === 'integer' && !Number.isInteger(i)))) return `${path}: bad enum`;
  }
  if (type === 'integer' && typeof s.minimum === 'number' && typeof s.maximum === 'number' && s.minimum > s.maximum)
    return `${path}: minimum > maximum`;
  if (type === 'array') return s.items === undefined ? `${path}: an array needs 'items'` : schemaError(s.items, `${path}.items`);
  if (type === 'object') {
    for (const group of ['properties', 'patternProperties'] as const) {
      for (const [key, sub] of Object.entries((s[group] as Json | undefined) ?? {})) {
        const error = schemaError(sub, `${path}.${group}.${key}`);
        if (error) return error;
      }
    }
    if (s.additionalProperties !== undefined) {
      const error = schemaError(s.additionalProperties, `${path}.additionalProperties`);
      if (error) return error;
    }
    for (const name of (s.required as unknown[] | undefined) ?? []) {
      if (typeof name !== 'string' || !((s.properties as Json | undefined) ?? {})[name]) return `${path}: required names an unknown property`;
    }
  }
  return undefined;
}

/** Chrome's rules for the top-level (policy) schema, then the schema itself. */
function topLevelError(schema: Json): string | undefined {
  if (schema.type !== 'object') return 'the top-level schema must have type object';
  if ('additionalProperties' in schema) return 'the top-level object cannot have additionalProperties';
  return schemaError(schema);
}

/** Whether Chrome publishes `value` under `schema` (unknown object keys are dropped, not refused). */
function chromeAccepts(schema: Json, value: unknown): boolean {
  switch (schema.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return (
        Number.isInteger(value) &&
        (schema.enum === undefined || (schema.enum as unknown[]).includes(value)) &&
        (schema.minimum === undefined || (value as number) >= (schema.minimum as number)) &&
        (schema.maximum === undefined || (value as number) <= (schema.maximum as number))
      );
    case 'number':
      return typeof value === 'number';
    case 'string':
      return (
        typeof value === 'string' &&
        (schema.enum === undefined || (schema.enum as unknown[]).includes(value)) &&
        (schema.pattern === undefined || new RegExp(schema.pattern as string).test(value))
      );
    case 'array':
      return Array.isArray(value) && value.every((item) => chromeAccepts(schema.items as Json, item));
    case 'object': {
      if (jsonType(value) !== 'object') return false;
      return Object.entries(value as Json).every(([key, v]) => {
        const own = (schema.properties as Record<string, Json> | undefined)?.[key];
        if (own) return chromeAccepts(own, v);
        const patterned = Object.entries((schema.patternProperties as Record<string, Json> | undefined) ?? {}).filter(([p]) =>
          new RegExp(p).test(key),
        );
        if (patterned.length > 0) return patterned.every(([, sub]) => chromeAccepts(sub, v));
        return schema.additionalProperties ? chromeAccepts(schema.additionalProperties as Json, v) : true;
      });
    }
    default:
      return false;
  }
}

const properties = SCHEMA.properties as Record<string, Json>;
const zodAccepts = (key: string, value: unknown) => (MANAGED_POLICY_FIELDS as Record<string, z.ZodType>)[key]!.safeParse(value).success;

describe('the managed-storage JSON schema', () => {
  it("is valid in Chrome's schema dialect", () => {
    expect(topLevelError(SCHEMA)).toBeUndefined();
  });

  it('is checked by rules that do refuse what Chrome refuses', () => {
    expect(topLevelError({ type: 'object', additionalProperties: { type: 'string' } })).toMatch(/additionalProperties/);
    expect(topLevelError({ type: 'array', items: { type: 'string' } })).toMatch(/type object/);
    expect(topLevelError({ type: 'object', properties: { a: { type: 'string', minLength: 1 } } })).toMatch(/unknown attribute 'minLength'/);
    expect(topLevelError({ type: 'object', properties: { a: { type: 'number', minimum: 0 } } })).toMatch(/minimum/);
    expect(topLevelError({ type: 'object', properties: { a: { description: 'no type' } } })).toMatch(/'type' or '\$ref'/);
    expect(topLevelError({ type: 'object', properties: { a: { type: 'array' } } })).toMatch(/items/);
    expect(topLevelError({ type: 'object', properties: { a: { type: 'integer', minimum: 5, maximum: 1 } } })).toMatch(/minimum > maximum/);
    expect(topLevelError({ type: 'object', properties: { a: { type: 'string', enum: [] } } })).toMatch(/enum/);
  });

  it('marks the API key as a sensitive value (masked on chrome://policy)', () => {
    expect(properties.apiKey!.sensitiveValue).toBe(true);
  });

  it('declares exactly the settings the extension parses, with the same types, enums, bounds and patterns', () => {
    expect(Object.keys(properties).sort()).toEqual([...MANAGED_POLICY_KEYS].sort());
    for (const key of MANAGED_POLICY_KEYS) {
      const fromZod = z.toJSONSchema((MANAGED_POLICY_FIELDS as Record<string, z.ZodType>)[key]!) as Json;
      const declared = properties[key]!;
      expect(declared.type, key).toBe(fromZod.type);
      if (fromZod.enum) expect(declared.enum, key).toEqual(fromZod.enum);
      // The same expression, however its slashes are escaped.
      if (fromZod.pattern) expect(new RegExp(declared.pattern as string).source, key).toBe(new RegExp(fromZod.pattern as string).source);
      for (const bound of ['minimum', 'maximum'] as const)
        if (fromZod[bound] !== undefined) expect(declared[bound], `${key}.${bound}`).toBe(fromZod[bound]);
      if (declared.type === 'array') expect((declared.items as Json).enum, key).toEqual((fromZod.items as Json).enum);
    }
  });
});

describe('sample policies (tests/fixtures/policies)', () => {
  const configs: [string, Json][] = [
    ['chrome-linux.json', ((fixture('chrome-linux.json')['3rdparty'] as Json).extensions as Json)[EXTENSION_ID] as Json],
    ['chrome-forcelist.json', ((fixture('chrome-forcelist.json')['3rdparty'] as Json).extensions as Json)[EXTENSION_ID] as Json],
    ['firefox-policies.json', (((fixture('firefox-policies.json').policies as Json)['3rdparty'] as Json).Extensions as Json)[GECKO_ID] as Json],
  ];

  it.each(configs)('%s names the extension by its id and passes both schemas whole', (_name, config) => {
    expect(config).toBeDefined();
    expect(chromeAccepts(SCHEMA, config)).toBe(true);
    const { policy, ignored } = parseManagedPolicy(config);
    expect(ignored).toEqual([]);
    expect(policy).toEqual(config);
  });

  it('install the extension by the same id (ExtensionSettings, ExtensionInstallForcelist, Firefox ExtensionSettings)', () => {
    expect(Object.keys(fixture('chrome-linux.json').ExtensionSettings as Json)).toEqual([EXTENSION_ID]);
    expect(fixture('chrome-forcelist.json').ExtensionInstallForcelist).toEqual([expect.stringMatching(new RegExp(`^${EXTENSION_ID};https://`))]);
    expect(Object.keys((fixture('firefox-policies.json').policies as Json).ExtensionSettings as Json)).toEqual([GECKO_ID]);
  });

  it('refuses each invalid value, in both schemas, and the extension keeps none of them', () => {
    const config = ((fixture('invalid-values.json')['3rdparty'] as Json).extensions as Json)[EXTENSION_ID] as Json;
    for (const [key, value] of Object.entries(config)) {
      expect(chromeAccepts(properties[key]!, value), `Chrome: ${key}`).toBe(false);
      expect(zodAccepts(key, value), `zod: ${key}`).toBe(false);
    }
    const { policy, ignored } = parseManagedPolicy(config);
    expect(policy).toEqual({});
    expect(ignored.map((i) => i.key).sort()).toEqual(Object.keys(config).sort());
  });

  it('keeps the good values of a policy with some bad ones, and lists unknown names', () => {
    const { policy, ignored } = parseManagedPolicy({ backendUrl: 'https://aitl.example.com', pairwisePromptPercent: 150, colour: 'blue' });
    expect(policy).toEqual({ backendUrl: 'https://aitl.example.com' });
    expect(ignored).toEqual([
      { key: 'pairwisePromptPercent', message: expect.stringContaining('100') },
      { key: 'colour', message: 'not a setting of this extension' },
    ]);
    expect(parseManagedPolicy(undefined)).toEqual({ policy: {}, ignored: [] });
  });

  it('is stricter than Chrome only where Chrome cannot say it (lengths, list sizes): those values are ignored with a reason', () => {
    const stricter: [string, unknown][] = [
      ['tenant', ''],
      ['tenant', 'x'.repeat(129)],
      ['selectorOverrides', { zendesk: { composer: [] } }],
      ['selectorOverrides', { zendesk: { composer: [''] } }],
    ];
    for (const [key, value] of stricter) {
      expect(chromeAccepts(properties[key]!, value), key).toBe(true);
      expect(zodAccepts(key, value), key).toBe(false);
    }
  });
});

describe('the extension id', () => {
  it('is the first 32 hex digits of SHA-256 over the manifest key, written a-p', () => {
    expect(extensionIdFromKey(MANIFEST_PUBLIC_KEY)).toBe(EXTENSION_ID);
    expect(EXTENSION_ID).toMatch(/^[a-p]{32}$/);
  });

  it("is an organisation's own when it builds with AITL_EXTENSION_KEY", () => {
    expect(manifestKey({})).toBe(MANIFEST_PUBLIC_KEY);
    expect(manifestKey({ AITL_EXTENSION_KEY: ' ABC= ' })).toBe('ABC=');
  });
});

describe('the samples in docs/admin.md', () => {
  const doc = readFileSync('docs/admin.md', 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Json);

  it('are valid JSON and configure the extension by its id with values both schemas accept', () => {
    const configs = blocks.flatMap((b) => {
      const chrome = (b['3rdparty'] as Json | undefined)?.extensions as Json | undefined;
      const firefox = ((b.policies as Json | undefined)?.['3rdparty'] as Json | undefined)?.Extensions as Json | undefined;
      if (chrome) expect(Object.keys(chrome)).toEqual([EXTENSION_ID]);
      if (firefox) expect(Object.keys(firefox)).toEqual([GECKO_ID]);
      return [chrome?.[EXTENSION_ID], firefox?.[GECKO_ID]].filter((c): c is Json => c !== undefined);
    });
    expect(configs.length).toBeGreaterThanOrEqual(3);
    for (const config of configs) {
      expect(chromeAccepts(SCHEMA, config)).toBe(true);
      expect(parseManagedPolicy(config).ignored).toEqual([]);
    }
  });

  it('hold a tenant config that aitl config set accepts', () => {
    const tenant = blocks.filter((b) => 'settings' in b);
    expect(tenant).toHaveLength(1);
    expect(HostConfig.safeParse(tenant[0]).success).toBe(true);
  });

  it('name only settings the extension has in the Windows registry sample', () => {
    const reg = /```reg\n([\s\S]*?)```/.exec(doc)![1]!;
    const section = reg.split(/\[HKEY[^\]]*\\policy\]/)[1]!;
    const names = [...section.matchAll(/^"(\w+)"=/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(MANAGED_POLICY_KEYS).toContain(name);
    expect(reg).toContain(`3rdparty\\extensions\\${EXTENSION_ID}\\policy`);
  });
});
