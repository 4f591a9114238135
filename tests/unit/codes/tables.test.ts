import { describe, expect, it } from 'vitest';
import { CODE_TABLES } from '../../../schema/codes';
import { GBT31000_LOCAL_TABLES, GBT31000_TABLES } from '../../../schema/codes/gbt31000';
import { PERSON_BLOCK_TABLES } from '../../../schema/codes/person-block';

describe('the code tables as a whole', () => {
  it('hold every table of the three sources once', () => {
    expect(CODE_TABLES).toHaveLength(
      GBT31000_TABLES.length + GBT31000_LOCAL_TABLES.length + PERSON_BLOCK_TABLES.length,
    );
    // The reference's code-table list has 56 rows (55 flat tables and the two-level 事件类型).
    expect(GBT31000_TABLES).toHaveLength(56);
  });

  it('have unique snake_case ids and non-empty Chinese labels', () => {
    const ids = CODE_TABLES.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of CODE_TABLES) {
      expect(t.id).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(t.label).toMatch(/\p{Script=Han}/u);
      expect(t.values.length, t.id).toBeGreaterThan(0);
    }
  });

  it('name their standard, and every local table says why it is local', () => {
    for (const t of GBT31000_TABLES) expect(t.standard, t.id).toBe('GB/T 31000-2015');
    for (const t of GBT31000_LOCAL_TABLES) {
      expect(t.standard, t.id).toBe('local');
      expect(t.uncertain, t.id).toBeTruthy();
    }
    for (const t of CODE_TABLES) {
      expect(t.standard, t.id).toMatch(/^(local|(GB\/T|GA\/T) \d+(\.\d+)?-\d{4})$/);
    }
  });

  it('have codes that are unique, trimmed strings within each table', () => {
    for (const t of CODE_TABLES) {
      const codes = t.values.map((v) => v.code);
      expect(new Set(codes).size, t.id).toBe(codes.length);
      for (const c of codes) expect(c, t.id).toMatch(/^[0-9A-Z]+$/);
    }
  });

  it('give each value a non-empty label, and the GB/T 31000 tables fixed-width digit codes per level', () => {
    for (const t of CODE_TABLES)
      for (const v of t.values) expect(v.label.trim(), `${t.id} ${v.code}`).toBe(v.label);
    for (const t of GBT31000_TABLES) {
      const widths = new Set(t.values.filter((v) => v.parent === undefined).map((v) => v.code.length));
      expect(widths.size, t.id).toBe(1);
    }
  });

  it('set parent only in hierarchical tables, and every parent exists in its table at a shorter or equal code', () => {
    for (const t of CODE_TABLES) {
      const codes = new Set(t.values.map((v) => v.code));
      const withParent = t.values.filter((v) => v.parent !== undefined);
      expect(withParent.length > 0, t.id).toBe(t.hierarchical === true);
      for (const v of withParent) {
        expect(codes.has(v.parent!), `${t.id} ${v.code} → ${v.parent}`).toBe(true);
        expect(v.parent, `${t.id} ${v.code}`).not.toBe(v.code);
      }
    }
  });

  it('never let a label or alias of one value equal a code, or (outside hierarchies) another value’s name', () => {
    for (const t of CODE_TABLES) {
      const codes = new Set(t.values.map((v) => v.code));
      const owner = new Map<string, string>();
      for (const v of t.values) {
        for (const name of new Set([v.label, ...(v.aliases ?? [])])) {
          expect(codes.has(name) && name !== v.code, `${t.id}: name ${name} is also a code`).toBe(false);
          const other = owner.get(name);
          if (!t.hierarchical) expect(other, `${t.id}: ${name} names ${other} and ${v.code}`).toBeUndefined();
          owner.set(name, v.code);
        }
      }
    }
  });

  it('mark as multi-select exactly the fields the reference marks 多选', () => {
    expect(
      CODE_TABLES.filter((t) => t.multiple)
        .map((t) => t.id)
        .sort(),
    ).toEqual(
      [
        'assistance_agency',
        'correction_team_member',
        'four_histories',
        'hospitalization_reason',
        'management_participant',
        'three_involvements',
      ].sort(),
    );
  });
});
