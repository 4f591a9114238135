import type { EntityManager } from '@mikro-orm/postgresql';
import { shapeRows } from '../schema/common/rows';
import { inTransaction } from '../schema/db/tx';
import { DomainError } from '../schema/runtime/errors';
import { AppRelease } from './checkin.entity';

/**
 * Releases of the grid app. The release with the highest version code is the one every handset should run
 * (the compliance view's UP_TO_DATE); registering one is audited in fleet_audit as `release.create`.
 */

export interface AppReleaseInput {
  version: string;
  versionCode: number;
  minVersionCode?: number | null;
  sha256: string;
  notes?: string | null;
}

function invalid(field: string, rule: string, message: string): DomainError {
  return new DomainError('INVALID_APP_RELEASE', `${field}: ${message}`, { field, rule });
}

/** The input checked and normalised; throws INVALID_APP_RELEASE naming the field and the rule. */
export function checkAppRelease(input: AppReleaseInput): Required<AppReleaseInput> {
  const version = input.version?.trim() ?? '';
  if (!/^\d+(\.\d+){0,3}([-+][0-9A-Za-z.-]{1,20})?$/.test(version))
    throw invalid('version', 'VERSION_FORMAT', `"${version}" is not a version like 3.2.1`);
  const code = input.versionCode;
  if (!Number.isInteger(code) || code < 1 || code > 2_100_000_000)
    throw invalid(
      'versionCode',
      'VERSION_CODE_RANGE',
      `must be a whole number from 1 to 2100000000, got ${code}`,
    );
  const min = input.minVersionCode ?? code;
  if (!Number.isInteger(min) || min < 1 || min > code)
    throw invalid(
      'minVersionCode',
      'MIN_VERSION_CODE_RANGE',
      `must be from 1 to versionCode (${code}), got ${min}`,
    );
  const sha256 = input.sha256?.trim().toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw invalid('sha256', 'SHA256_FORMAT', 'must be the APK’s SHA-256: 64 hexadecimal digits');
  const notes = input.notes?.trim() || null;
  if (notes && notes.length > 10_000) throw invalid('notes', 'NOTES_LENGTH', 'at most 10000 characters');
  return { version, versionCode: code, minVersionCode: min, sha256, notes };
}

export async function createAppRelease(
  em: EntityManager,
  actor: string,
  input: AppReleaseInput,
): Promise<AppRelease> {
  const r = checkAppRelease(input);
  return inTransaction(em, async (tx) => {
    const [top] = await tx.query<{ version_code: number }>(
      'select max(version_code) as version_code from app_release',
    );
    const rows = await tx.query(
      `insert into app_release (version, version_code, min_version_code, sha256, notes, released_by)
       values ($1, $2, $3, $4, $5, $6) on conflict (version_code) do nothing returning *`,
      [r.version, r.versionCode, r.minVersionCode, r.sha256, r.notes, actor],
    );
    if (!rows.length)
      throw new DomainError(
        'APP_RELEASE_EXISTS',
        `versionCode: a release with version code ${r.versionCode} exists already`,
        { field: 'versionCode', rule: 'unique' },
      );
    await tx.query(
      `insert into fleet_audit (actor, action, detail) values ($1, 'release.create', $2::jsonb)`,
      [
        actor,
        JSON.stringify({
          version: r.version,
          versionCode: r.versionCode,
          minVersionCode: r.minVersionCode,
          sha256: r.sha256,
          // A release below the current one is allowed (a hotfix branch) but does not become current.
          current: top?.version_code == null || r.versionCode > top.version_code,
        }),
      ],
    );
    return shapeRows(em, AppRelease, rows)[0]!;
  });
}
