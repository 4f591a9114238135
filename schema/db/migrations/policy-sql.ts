/**
 * SQL for migrations that give a seeded role the root fields of a new module: the names it lacks are appended
 * to its stored policy (an administrator may have changed the policy since, so nothing else is touched), the
 * policy's version goes up, and the change is recorded in access_change like any policy change. Running it
 * twice changes nothing. Callers write the names out in the migration: a migration must do the same whenever
 * it runs, whatever the live default policies say by then.
 */
export function appendRootFieldsSql(role: string, names: readonly string[]): string {
  const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `with wanted(name, pos) as (select * from unnest(array[${names.map(quote).join(', ')}]::text[]) with ordinality),
      current_policy as (
        select policy from "role_policy"
        where "role" = ${quote(role)} and jsonb_typeof(policy -> 'rootFields') = 'array' for update
      ),
      missing as (
        select w.name, w.pos from wanted w, current_policy c
        where not exists (select 1 from jsonb_array_elements_text(c.policy -> 'rootFields') e(name) where e.name = w.name)
      ),
      updated as (
        update "role_policy" rp
        set policy = jsonb_set(rp.policy, '{rootFields}',
              (rp.policy -> 'rootFields') || (select jsonb_agg(m.name order by m.pos) from missing m)),
            version = rp.version + 1, updated_at = now(), updated_by = 'migration'
        where rp.role = ${quote(role)} and exists (select 1 from missing)
        returning rp.policy as after
      )
      insert into "access_change" (actor, action, subject, before, after)
      select 'migration', 'policy.set', ${quote(role)}, c.policy, u.after from updated u, current_policy c;`;
}
