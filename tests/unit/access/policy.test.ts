import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES } from '../../../schema/access/default-policies';
import {
  combinePolicies,
  hiddenRecordKinds,
  PolicySchema,
  rowFilterSql,
  type ScopeContext,
  scopeSql,
} from '../../../schema/access/policy';

const ctx: ScopeContext = {
  unitPath: '/620725/620725101/',
  pathOf: (code) => (code === '620725204' ? '/620725/620725204/' : null),
};
const TODAY = '2026-11-26';
const policy = (role: string) => ({ role, policy: PolicySchema.parse(DEFAULT_POLICIES[role]) });

describe('policies as data', () => {
  it('every default role parses', () => {
    for (const [role, p] of Object.entries(DEFAULT_POLICIES))
      expect(() => PolicySchema.parse(p), role).not.toThrow();
  });

  it('combines roles as a union of read permissions', () => {
    const both = combinePolicies([policy('civil_affairs'), policy('township_office')]);
    expect(both.types.Person!.rows).toEqual({ or: [{ kinds: ['left_behind'] }, { ownUnit: true }] });
    expect(both.clear.has('idNumber')).toBe(true); // township office reads ID numbers in the clear
    expect(both.sensitiveSets.has('special_group')).toBe(true);
    expect(both.rootFields === '*' || both.rootFields.has('places')).toBe(true);
    const admin = combinePolicies([policy('admin'), policy('civil_affairs')]);
    expect(admin.types.Person!.rows).toEqual({ all: true });
    expect(admin.rootFields).toBe('*');
  });

  it('a principal without roles may do nothing', () => {
    const none = combinePolicies([]);
    expect(none.types).toEqual({});
    expect(none.rootFields).toEqual(new Set());
    expect(none.admin).toBe(false);
  });
});

describe('row filters as SQL', () => {
  it('scopes to the caller unit, a fixed unit, kinds and their combinations', () => {
    expect(rowFilterSql({ ownUnit: true }, 'Event', 'e', ctx)).toEqual({
      sql: 'e.region_path like ?',
      params: ['/620725/620725101/%'],
    });
    expect(rowFilterSql({ unit: '620725204' }, 'Place', 'p', ctx).params).toEqual(['/620725/620725204/%']);
    expect(rowFilterSql({ unit: 'nowhere' }, 'Place', 'p', ctx).sql).toBe('false');
    expect(rowFilterSql({ kinds: ['left_behind'] }, 'Person', 'p', ctx).sql).toMatch(
      /exists \(select 1 from person_record pk where pk.person_id = p.id/,
    );
    const both = rowFilterSql(
      { and: [{ ownUnit: true }, { or: [{ kinds: ['enterprise'] }, { kinds: ['social_organization'] }] }] },
      'Organization',
      'o',
      ctx,
    );
    expect(both.sql).toBe(
      '(o.region_path like ? and (o.kind::text = any(?::text[]) or o.kind::text = any(?::text[])))',
    );
    expect(both.params).toEqual(['/620725/620725101/%', '{enterprise}', '{social_organization}']);
  });

  it('a caller without a unit sees nothing under an own-unit filter', () => {
    expect(rowFilterSql({ ownUnit: true }, 'Person', 'p', { ...ctx, unitPath: null }).sql).toBe('false');
  });

  it('hides the sensitive sets not granted: special-group and health records, and minors', () => {
    const civil = combinePolicies([policy('civil_affairs')]);
    const hidden = hiddenRecordKinds(civil.sensitiveSets);
    expect(hidden).toEqual(
      expect.arrayContaining(['drug_user', 'community_correction', 'severe_mental_disorder']),
    );
    expect(hidden).not.toContain('left_behind');
    const records = scopeSql(civil, 'PersonRecord', 'r', ctx, TODAY);
    expect(records.sql).toContain('r.kind::text <> all(?::text[])');
    const people = scopeSql(
      combinePolicies([{ role: 'x', policy: PolicySchema.parse({ types: { Person: {} } }) }]),
      'Person',
      'p',
      ctx,
      TODAY,
    );
    expect(people).toEqual({ sql: 'p.birth_date <= ?::date', params: ['2008-11-26'] });
    expect(scopeSql(civil, 'Event', 'e', ctx, TODAY).sql).toBe('false'); // not a type civil affairs may read
  });

  it('refuses a policy with an unknown type, field or filter, naming where', () => {
    expect(PolicySchema.safeParse({ types: { Persons: {} } }).success).toBe(false);
    expect(PolicySchema.safeParse({ types: { Person: { rows: { region: 'x' } } } }).success).toBe(false);
    expect(PolicySchema.safeParse({ clear: ['password'] }).success).toBe(false);
  });
});
