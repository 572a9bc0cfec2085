import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reusingStatements } from '../../../backend/store/connect.ts';

describe('reusingStatements', () => {
  let database: SQLite.Database;
  beforeEach(() => {
    database = new SQLite(':memory:');
    database.exec('CREATE TABLE t (n INTEGER)');
    database.exec('INSERT INTO t VALUES (1), (2), (3)');
  });
  afterEach(() => database.close());

  it('hands out the same compiled statement for the same SQL, and it still answers correctly', () => {
    const db = reusingStatements(database);
    const a = db.prepare('SELECT n FROM t WHERE n > ? ORDER BY n');
    const b = db.prepare('SELECT n FROM t WHERE n > ? ORDER BY n');
    expect(b).toBe(a);
    expect(a.all([1])).toEqual([{ n: 2 }, { n: 3 }]);
    expect(b.all([2])).toEqual([{ n: 3 }]);
    expect(db.prepare('SELECT n FROM t WHERE n < ?')).not.toBe(a);
  });

  it('prepares afresh while the cached statement is busy with an open iteration', () => {
    const db = reusingStatements(database);
    const sql = 'SELECT n FROM t ORDER BY n';
    const first = db.prepare(sql);
    const iterator = first.iterate([]);
    iterator.next();
    const second = db.prepare(sql);
    expect(second).not.toBe(first);
    expect(second.all([])).toHaveLength(3);
    iterator.return?.();
    expect(db.prepare(sql)).toBe(first);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const db = reusingStatements(database, 2);
    const one = db.prepare('SELECT 1');
    const two = db.prepare('SELECT 2');
    expect(db.prepare('SELECT 1')).toBe(one);
    db.prepare('SELECT 3');
    expect(db.prepare('SELECT 1')).toBe(one);
    expect(db.prepare('SELECT 2')).not.toBe(two);
  });
});
