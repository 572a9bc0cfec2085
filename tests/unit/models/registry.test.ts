import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RANKING, DEFAULT_VERSION_ID } from '../../../backend/models/artefacts.ts';
import {
  addCandidate,
  currentVersion,
  decide,
  findVersion,
  listVersions,
  promotedVersionIds,
  rollback,
  RollbackError,
} from '../../../backend/models/registry.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-registry-'));
  store = await openStore(join(dir, 'aitl.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const TENANT = 'acme';
const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 12, minute));

async function train(kind: 'ranking' | 'variants', minute: number, parent: string | null = null, tenant = TENANT) {
  const artefact =
    kind === 'ranking' ? { ...DEFAULT_RANKING, priors: { [`p${minute}`]: 0.5 } } : { champion: 'a', challenger: 'b', stats: {}, confidence: null };
  return addCandidate(store.db, tenant, { kind, parent, runId: `run-${minute}`, inputs: { minute }, metrics: {}, artefact }, at(minute));
}

const promote = (id: string, minute: number) =>
  decide(store.db, id, { promote: true, reason: `promoted at ${minute}`, metrics: { minute } }, at(minute));

async function promotedIds(kind: 'ranking' | 'variants', tenant = TENANT): Promise<string[]> {
  return (await listVersions(store.db, tenant, { kind })).filter((v) => v.status === 'promoted').map((v) => v.id);
}

describe('model registry', () => {
  it('stores a candidate with its parent, inputs and artefact, not yet current', async () => {
    const v = await train('ranking', 1, DEFAULT_VERSION_ID.ranking);
    expect(v.id).toMatch(/^ranking-[0-9a-z]+$/);
    expect(v.id.length).toBeLessThanOrEqual(24);
    expect(v.status).toBe('candidate');
    const stored = await findVersion(store.db, TENANT, v.id);
    expect(stored).toMatchObject({
      tenant: TENANT,
      kind: 'ranking',
      parent: 'ranking-default',
      runId: 'run-1',
      status: 'candidate',
      inputs: { minute: 1 },
    });
    expect(stored?.artefact).toEqual({ ...DEFAULT_RANKING, priors: { p1: 0.5 } });
    expect(await currentVersion(store.db, TENANT, 'ranking')).toBeUndefined();
  });

  it('promoting retires the previously promoted version of the same kind: exactly one promoted per kind', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(first.id);

    const other = await train('variants', 3);
    await promote(other.id, 3);

    const second = await train('ranking', 4, first.id);
    await promote(second.id, 5);
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(second.id);
    expect(await promotedIds('ranking')).toEqual([second.id]);
    const retired = await findVersion(store.db, TENANT, first.id);
    expect(retired?.status).toBe('retired');
    expect(retired?.reason).toBe(`replaced by ${second.id}`);
    expect(retired?.statusAt).toBe(at(5).toISOString());
    // The other kind's promoted version is untouched.
    expect(await promotedIds('variants')).toEqual([other.id]);
    const promoted = await findVersion(store.db, TENANT, second.id);
    expect(promoted).toMatchObject({ status: 'promoted', reason: 'promoted at 5', metrics: { minute: 5 } });
  });

  it('keeping records the reason and leaves the current version current', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    const candidate = await train('ranking', 3, first.id);
    await decide(store.db, candidate.id, { promote: false, reason: 'ndcg@10 does not improve beyond noise', metrics: { n: 12 } }, at(4));
    const kept = await findVersion(store.db, TENANT, candidate.id);
    expect(kept).toMatchObject({ status: 'kept', reason: 'ndcg@10 does not improve beyond noise', metrics: { n: 12 } });
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(first.id);
    expect(await promotedIds('ranking')).toEqual([first.id]);
  });

  it('deciding on an unknown version throws and changes nothing', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    await expect(decide(store.db, 'ranking-nope', { promote: true, reason: 'x', metrics: {} })).rejects.toThrow(/No model version ranking-nope/);
    expect(await promotedIds('ranking')).toEqual([first.id]);
  });

  it('rolls back to an earlier version: it becomes current, the replaced one is marked rolled back', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    const second = await train('ranking', 3, first.id);
    await promote(second.id, 4);

    const done = await rollback(store.db, TENANT, first.id, at(6));
    expect(done).toEqual({ kind: 'ranking', from: second.id, to: first.id });
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(first.id);
    expect(await promotedIds('ranking')).toEqual([first.id]);
    expect(await findVersion(store.db, TENANT, second.id)).toMatchObject({ status: 'rolled_back', reason: `rolled back to ${first.id}` });
    expect(await findVersion(store.db, TENANT, first.id)).toMatchObject({
      status: 'promoted',
      reason: `restored by rollback from ${second.id}`,
      statusAt: at(6).toISOString(),
    });
  });

  it('rolls back to the built-in default: no version is current any more', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    const variants = await train('variants', 3);
    await promote(variants.id, 3);

    expect(await rollback(store.db, TENANT, 'ranking-default', at(5))).toEqual({ kind: 'ranking', from: first.id, to: 'ranking-default' });
    expect(await currentVersion(store.db, TENANT, 'ranking')).toBeUndefined();
    expect(await promotedIds('ranking')).toEqual([]);
    expect((await findVersion(store.db, TENANT, first.id))?.status).toBe('rolled_back');
    // Only the named kind moves.
    expect((await currentVersion(store.db, TENANT, 'variants'))?.id).toBe(variants.id);

    // And forward again, to the version that was rolled back.
    expect(await rollback(store.db, TENANT, first.id, at(7))).toEqual({ kind: 'ranking', from: 'ranking-default', to: first.id });
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(first.id);
  });

  it('refuses to roll back to an unknown version', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    const error = await rollback(store.db, TENANT, 'ranking-doesnotexist').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackError);
    expect((error as Error).message).toMatch(/No model version "ranking-doesnotexist"/);
    expect(await promotedIds('ranking')).toEqual([first.id]);
  });

  it('refuses to roll in a version that was never promoted (kept by the evaluation, or still a candidate)', async () => {
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    const kept = await train('ranking', 3, first.id);
    await decide(store.db, kept.id, { promote: false, reason: 'mrr regresses', metrics: {} }, at(4));
    const candidate = await train('ranking', 5, first.id);
    for (const id of [kept.id, candidate.id]) {
      const error = await rollback(store.db, TENANT, id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RollbackError);
      expect((error as Error).message).toMatch(/was never promoted/);
    }
    expect(await promotedIds('ranking')).toEqual([first.id]);
  });

  it('refuses to roll back to the current version, the default included', async () => {
    await expect(rollback(store.db, TENANT, 'ranking-default')).rejects.toBeInstanceOf(RollbackError);
    await expect(rollback(store.db, TENANT, 'ranking-default')).rejects.toThrow('ranking-default is already the current ranking version');
    const first = await train('ranking', 1);
    await promote(first.id, 2);
    await expect(rollback(store.db, TENANT, first.id)).rejects.toBeInstanceOf(RollbackError);
    expect(await findVersion(store.db, TENANT, first.id)).toMatchObject({ status: 'promoted', reason: 'promoted at 2' });
  });

  it('lists versions newest first, optionally of one kind', async () => {
    const a = await train('ranking', 1);
    const b = await train('variants', 2);
    const c = await train('ranking', 3);
    expect((await listVersions(store.db, TENANT)).map((v) => v.id)).toEqual([c.id, b.id, a.id]);
    expect((await listVersions(store.db, TENANT, { kind: 'ranking' })).map((v) => v.id)).toEqual([c.id, a.id]);
    expect((await listVersions(store.db, TENANT, { limit: 1 })).map((v) => v.id)).toEqual([c.id]);
  });

  it("keeps each tenant's versions apart: another tenant's are not found, listed, promoted over or rolled back to", async () => {
    const mine = await train('ranking', 1);
    await promote(mine.id, 2);
    const theirs = await train('ranking', 3, null, 'globex');
    await promote(theirs.id, 4);
    // Promoting globex's version retires nothing of acme's.
    expect((await currentVersion(store.db, TENANT, 'ranking'))?.id).toBe(mine.id);
    expect((await currentVersion(store.db, 'globex', 'ranking'))?.id).toBe(theirs.id);
    expect(await promotedIds('ranking')).toEqual([mine.id]);
    expect(await findVersion(store.db, TENANT, theirs.id)).toBeUndefined();
    expect((await findVersion(store.db, 'globex', theirs.id))?.tenant).toBe('globex');
    expect((await listVersions(store.db, TENANT)).map((v) => v.id)).toEqual([mine.id]);
    await expect(rollback(store.db, TENANT, theirs.id)).rejects.toBeInstanceOf(RollbackError);
    // Rolling back acme's ranking leaves globex's current.
    await rollback(store.db, TENANT, 'ranking-default', at(5));
    expect(await currentVersion(store.db, TENANT, 'ranking')).toBeUndefined();
    expect((await currentVersion(store.db, 'globex', 'ranking'))?.id).toBe(theirs.id);
    expect(await promotedVersionIds(store.db)).toEqual(new Map([['globex', { ranking: theirs.id, variants: 'variants-default' }]]));
  });
});
