import DataLoader from 'dataloader';
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { DeviceCertificate, FleetAudit, RevocationReason } from '../../fleet/ca.entity';
import { AppRelease, Checkin } from '../../fleet/checkin.entity';
import {
  type ComplianceRow,
  type ComplianceSummary,
  complianceRows,
  complianceSummary,
  exportComplianceCsv,
  OnlineBucket,
  VersionState,
} from '../../fleet/compliance.service';
import { createEnrollmentToken, revoke } from '../../fleet/enrollment.service';
import { type ImportKind, importInventory } from '../../fleet/import';
import {
  Assignment,
  FleetChange,
  Handset,
  HandsetStatus,
  SimCard,
  SimStatus,
  Worker,
} from '../../fleet/inventory.entity';
import {
  assign,
  createHandset,
  createSim,
  createWorker,
  setHandsetStatus,
  setSimStatus,
  unassign,
  updateHandset,
} from '../../fleet/inventory.service';
import { createAppRelease } from '../../fleet/releases';
import {
  assignmentHistory,
  certificatesOf,
  changesOf,
  checkinsOf,
  currentReleaseCode,
  findHandset,
  findSim,
  findWorker,
  fleetAuditOf,
  handsetsByIds,
  hasValidCertificate,
  listAppReleases,
  openAssignmentsByHandset,
  openAssignmentsBySim,
  openAssignmentsByWorker,
  searchFleetAudit,
  searchHandsets,
  searchSims,
  searchWorkers,
  simsByIds,
  workersByIds,
} from '../../fleet/search';
import { Region } from '../../schema/regions/region.entity';
import { getRegionCached } from '../../schema/regions/region.service';
import { DomainError } from '../../schema/runtime/errors';
import { type Connection, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { inlineUpload } from '../upload';
import {
  AppReleaseInput,
  ComplianceRowConnection,
  ComplianceRowFilterInput,
  ComplianceSummaryType,
  EnrollmentTokenIssued,
  FleetAuditConnection,
  FleetAuditFilterInput,
  FleetCompliance,
  FleetImportInput,
  FleetImportKind,
  FleetImportReport,
  FleetSubject,
  HandsetConnection,
  HandsetFilterInput,
  HandsetInput,
  HandsetPatchInput,
  HandsetRevocation,
  SimCardConnection,
  SimFilterInput,
  SimInput,
  WorkerConnection,
  WorkerFilterInput,
  WorkerInput,
} from './fleet-types';

/**
 * The IT office's API for the handset fleet: search and look up handsets, SIM cards and workers, their
 * histories, certificates and check-ins; change the inventory; enroll and revoke; app releases; the
 * compliance view and its CSV; the fleet audit. Every root field is gated by the caller's policy (by default
 * it_office and admin); each mutation passes the principal's name to the domain service, which audits it.
 */

/** Per-request batched lookups of the fleet's rows and open assignments. */
class FleetLoaders {
  constructor(private readonly ctx: GatewayContext) {}

  private byId<T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) {
    return new DataLoader<string, T | null>(async (ids) => {
      const found = new Map((await load(ids)).map((r) => [String(r.id), r]));
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  private open(load: (ids: readonly string[]) => Promise<Map<string, Assignment>>) {
    return new DataLoader<string, Assignment | null>(async (ids) => {
      const found = await load(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  readonly handset = this.byId((ids) => handsetsByIds(this.ctx.em, ids));
  readonly sim = this.byId((ids) => simsByIds(this.ctx.em, ids));
  readonly worker = this.byId((ids) => workersByIds(this.ctx.em, ids));
  readonly openByHandset = this.open((ids) => openAssignmentsByHandset(this.ctx.em, ids));
  readonly openBySim = this.open((ids) => openAssignmentsBySim(this.ctx.em, ids));
  readonly openByWorker = this.open((ids) => openAssignmentsByWorker(this.ctx.em, ids));
  private release?: Promise<number | null>;

  /** The current release's version code (null when none), once per request. */
  currentVersionCode(): Promise<number | null> {
    this.release ??= currentReleaseCode(this.ctx.em);
    return this.release;
  }
}

const fleetLoaders = new WeakMap<GatewayContext, FleetLoaders>();

/** A worker is a person: every one a response carries goes into the read audit, like other personal records. */
async function workerSeen(ctx: GatewayContext, id: string): Promise<Worker | null> {
  const w = await loaders(ctx).worker.load(id);
  if (w) ctx.readLog.saw('Worker', [w.id]);
  return w;
}

function loaders(ctx: GatewayContext): FleetLoaders {
  let l = fleetLoaders.get(ctx);
  if (!l) {
    l = new FleetLoaders(ctx);
    fleetLoaders.set(ctx, l);
  }
  return l;
}

const IMPORT_KINDS: Record<FleetImportKind, ImportKind> = {
  [FleetImportKind.HANDSETS]: 'handsets',
  [FleetImportKind.SIMS]: 'sims',
  [FleetImportKind.WORKERS]: 'workers',
  [FleetImportKind.ASSIGNMENTS]: 'assignments',
};

/** Inline uploads are capped: an inventory sheet of a few thousand rows is well under this. */
const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

function checkLast(last: number): number {
  if (!Number.isInteger(last) || last < 1 || last > 500)
    throw new DomainError('BAD_PAGE_SIZE', `last must be a whole number from 1 to 500, got ${last}`, {
      field: 'last',
      rule: '1 ≤ last ≤ 500',
    });
  return last;
}

/** `fleetHistory`'s key: a device id, an ICCID or a worker number, resolved to the row id. */
async function subjectId(ctx: GatewayContext, subject: FleetSubject, key: string): Promise<string> {
  switch (subject) {
    case FleetSubject.HANDSET:
      return (await findHandset(ctx.em, { deviceId: key })).id;
    case FleetSubject.SIM:
      return (await findSim(ctx.em, key)).id;
    case FleetSubject.WORKER:
      return (await findWorker(ctx.em, key)).id;
  }
}

@Resolver(() => Handset)
export class HandsetResolver {
  @Query(() => HandsetConnection, { description: 'Handsets matching the filter, in id order' })
  async handsets(
    @Arg('filter', () => HandsetFilterInput, { nullable: true }) filter: HandsetFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Handset>> {
    const page = requestPage(ctx.notices, 'handsets', first, after, ctx.access.policy.rowCap);
    return toConnection(await searchHandsets(ctx.em, filter ?? {}, page));
  }

  @Query(() => Handset, {
    description: 'One handset by device id or IMEI (either slot; an IMEISV works too)',
  })
  handset(
    @Arg('deviceId', () => String, { nullable: true }) deviceId: string | null,
    @Arg('imei', () => String, { nullable: true }) imei: string | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<Handset> {
    return findHandset(em, { deviceId, imei });
  }

  @Query(() => [FleetChange], {
    description: 'The change history of a handset (by device id), SIM (ICCID) or worker (工号), newest first',
  })
  async fleetHistory(
    @Arg('subject', () => FleetSubject) subject: FleetSubject,
    @Arg('key', () => String) key: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<FleetChange[]> {
    return changesOf(ctx.em, subject, await subjectId(ctx, subject, key));
  }

  @Mutation(() => Handset, {
    description: 'Registers a handset (IMEIs validated: Luhn, 15 digits or IMEISV)',
  })
  createHandset(
    @Arg('input', () => HandsetInput) input: HandsetInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Handset> {
    return createHandset(em, access.principal, { ...input });
  }

  @Mutation(() => Handset, {
    description: 'Changes a handset’s inventory fields (each change is in its history)',
  })
  updateHandset(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('patch', () => HandsetPatchInput) patch: HandsetPatchInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Handset> {
    return updateHandset(em, access.principal, deviceId, { ...patch });
  }

  @Mutation(() => Handset, {
    description:
      'Moves a handset to another status, with a reason (ACTIVE is reached by enrollment only; RETIRED is final)',
  })
  async setHandsetStatus(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('status', () => HandsetStatus) status: HandsetStatus,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Arg('revokeCertificates', () => Boolean, {
      defaultValue: true,
      description:
        'LOST or RETIRED: also revoke its valid certificates (keyCompromise / cessationOfOperation), so it is refused at the handshake',
    })
    revokeCertificates: boolean,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Handset> {
    const handset = await setHandsetStatus(em, access.principal, deviceId, status, reason);
    const why = REVOKE_ON[status];
    if (why && revokeCertificates && (await hasValidCertificate(em, handset.id))) {
      await revoke(em, access.principal, { handset: { id: handset.id } }, why, {
        note: reason ?? `handset ${status}`,
      });
      return findHandset(em, { deviceId });
    }
    return handset;
  }

  @Mutation(() => EnrollmentTokenIssued, {
    description:
      'A one-time enrollment token for a registered handset, with the QR code’s content; shown once',
  })
  async createEnrollmentToken(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('ttlMinutes', () => Int, { defaultValue: 60, description: 'Minutes until it expires (≤ a week)' })
    ttlMinutes: number,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<EnrollmentTokenIssued> {
    const issued = await createEnrollmentToken(em, access.principal, { deviceId }, { ttlMinutes });
    return {
      deviceId: issued.deviceId,
      token: issued.token,
      expiresAt: issued.expiresAt,
      qrPayload: issued.qrPayload,
    };
  }

  @Mutation(() => HandsetRevocation, {
    description: 'Revokes every valid certificate of a handset and publishes the CRL (audited)',
  })
  async revokeHandset(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('reason', () => RevocationReason) reason: RevocationReason,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<HandsetRevocation> {
    const handset = await findHandset(em, { deviceId });
    const result = await revoke(em, access.principal, { handset: { id: handset.id } }, reason, {
      note: note ?? undefined,
    });
    return { revoked: result.revoked, crlNumber: result.crl?.number ?? null };
  }

  @Mutation(() => DeviceCertificate, {
    description: 'Revokes one certificate by serial and publishes the CRL',
  })
  async revokeCertificate(
    @Arg('serial', () => String, { description: 'Hex, as listed in a handset’s certificates' })
    serial: string,
    @Arg('reason', () => RevocationReason) reason: RevocationReason,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<DeviceCertificate> {
    const result = await revoke(em, access.principal, { serial }, reason, { note: note ?? undefined });
    return result.revoked[0]!;
  }

  @Mutation(() => Assignment, { description: 'Hands a handset (and optionally a SIM) to a worker' })
  assignHandset(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('workerCode', () => String) workerCode: string,
    @Arg('iccid', () => String, { nullable: true }) iccid: string | null,
    @Arg('since', () => String, { nullable: true, description: 'YYYY-MM-DD; default now' }) since:
      | string
      | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Assignment> {
    return assign(em, access.principal, { deviceId, workerCode, iccid, since });
  }

  @Mutation(() => Handset, { description: 'Takes a handset back from its worker' })
  unassignHandset(
    @Arg('deviceId', () => String) deviceId: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Handset> {
    return unassign(em, access.principal, { deviceId, reason });
  }

  @FieldResolver(() => GraphQLJSONObject, {
    nullable: true,
    description: '{ lat, lng, accuracy } at the last check-in',
  })
  location(@Root() h: Handset) {
    return h.location ?? null;
  }

  @FieldResolver(() => Assignment, { nullable: true, description: 'Its open assignment' })
  assignment(@Root() h: Handset, @Ctx() ctx: GatewayContext) {
    return loaders(ctx).openByHandset.load(h.id);
  }

  @FieldResolver(() => Worker, { nullable: true, description: 'The worker holding it now' })
  async worker(@Root() h: Handset, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openByHandset.load(h.id);
    return a ? workerSeen(ctx, a.worker.id) : null;
  }

  @FieldResolver(() => SimCard, { nullable: true, description: 'The SIM assigned with it now' })
  async sim(@Root() h: Handset, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openByHandset.load(h.id);
    return a?.sim ? loaders(ctx).sim.load(a.sim.id) : null;
  }

  @FieldResolver(() => [Assignment], { description: 'Who held it when, newest first' })
  assignments(@Root() h: Handset, @Ctx() { em }: GatewayContext) {
    return assignmentHistory(em, 'handset_id', h.id);
  }

  @FieldResolver(() => [FleetChange], { description: 'Every change to it, newest first' })
  history(@Root() h: Handset, @Ctx() { em }: GatewayContext) {
    return changesOf(em, 'handset', h.id);
  }

  @FieldResolver(() => [DeviceCertificate], { description: 'Certificates issued to it, newest first' })
  certificates(@Root() h: Handset, @Ctx() { em }: GatewayContext) {
    return certificatesOf(em, h.id);
  }

  @FieldResolver(() => [Checkin], { description: 'Its last check-ins, newest first' })
  checkins(
    @Root() h: Handset,
    @Arg('last', () => Int, { defaultValue: 20 }) last: number,
    @Ctx() { em }: GatewayContext,
  ) {
    return checkinsOf(em, h.id, checkLast(last));
  }

  @FieldResolver(() => OnlineBucket, { description: 'Age of its last check-in, now' })
  onlineBucket(@Root() h: Handset): OnlineBucket {
    return bucketOf(h.lastSeenAt ?? null, new Date());
  }

  @FieldResolver(() => VersionState, { description: 'Its reported app version against the current release' })
  async versionState(@Root() h: Handset, @Ctx() ctx: GatewayContext): Promise<VersionState> {
    if (h.appVersionCode == null) return VersionState.MISSING;
    const current = await loaders(ctx).currentVersionCode();
    return current == null || current === h.appVersionCode
      ? VersionState.UP_TO_DATE
      : VersionState.VERSION_MISMATCH;
  }

  @FieldResolver(() => [FleetAudit], { description: 'Audited actions on it, newest first' })
  audit(
    @Root() h: Handset,
    @Arg('last', () => Int, { defaultValue: 50 }) last: number,
    @Ctx() { em }: GatewayContext,
  ) {
    return fleetAuditOf(em, h.id, checkLast(last));
  }
}

/** Marking a handset lost or retired revokes its certificates with the RFC 5280 reason that says why. */
const REVOKE_ON: Partial<Record<HandsetStatus, RevocationReason>> = {
  [HandsetStatus.LOST]: RevocationReason.KEY_COMPROMISE,
  [HandsetStatus.RETIRED]: RevocationReason.CESSATION_OF_OPERATION,
};

const HOUR_MS = 3_600_000;

/** The same buckets as the compliance SQL (onlineBucketSql), for one handset. */
function bucketOf(lastSeen: Date | null, now: Date): OnlineBucket {
  if (!lastSeen) return OnlineBucket.NEVER;
  const age = now.getTime() - lastSeen.getTime();
  if (age < HOUR_MS) return OnlineBucket.UNDER_1H;
  if (age < 24 * HOUR_MS) return OnlineBucket.FROM_1H_TO_24H;
  if (age < 720 * HOUR_MS) return OnlineBucket.FROM_1D_TO_30D;
  return OnlineBucket.OVER_30D;
}

@Resolver(() => SimCard)
export class SimCardResolver {
  @Query(() => SimCardConnection, { description: 'SIM cards matching the filter, in id order' })
  async sims(
    @Arg('filter', () => SimFilterInput, { nullable: true }) filter: SimFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<SimCard>> {
    const page = requestPage(ctx.notices, 'sims', first, after, ctx.access.policy.rowCap);
    return toConnection(await searchSims(ctx.em, filter ?? {}, page));
  }

  @Query(() => SimCard, { description: 'One SIM card by ICCID (20 digits, or 19 without the check digit)' })
  sim(@Arg('iccid', () => String) iccid: string, @Ctx() { em }: GatewayContext): Promise<SimCard> {
    return findSim(em, iccid);
  }

  @Mutation(() => SimCard, { description: 'Registers a SIM card (ICCID validated; carrier read from it)' })
  createSim(
    @Arg('input', () => SimInput) input: SimInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<SimCard> {
    const { monthlyFeeFen, ...rest } = input;
    if (!Number.isInteger(monthlyFeeFen) || monthlyFeeFen < 0)
      throw new DomainError('MONEY', 'monthlyFeeFen: must be a whole number of fen, 0 or more', {
        field: 'monthlyFeeFen',
        rule: 'MONEY',
      });
    // The inventory's rules read fees in yuan, as the sheets state them.
    return createSim(em, access.principal, { ...rest, monthlyFee: (monthlyFeeFen / 100).toFixed(2) });
  }

  @Mutation(() => SimCard, { description: 'Moves a SIM card to another status on a day (default today)' })
  setSimStatus(
    @Arg('iccid', () => String) iccid: string,
    @Arg('status', () => SimStatus) status: SimStatus,
    @Arg('on', () => String, { nullable: true, description: 'YYYY-MM-DD' }) on: string | null,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<SimCard> {
    if (on != null && !/^\d{4}-\d{2}-\d{2}$/.test(on))
      throw new DomainError('DATE', 'on: must be a date YYYY-MM-DD', { field: 'on', rule: 'DATE' });
    return findSim(em, iccid).then((s) =>
      setSimStatus(em, access.principal, s.iccid, status, { on: on ?? undefined, reason }),
    );
  }

  @FieldResolver(() => Handset, { nullable: true, description: 'The handset it is in now' })
  async handset(@Root() s: SimCard, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openBySim.load(s.id);
    return a ? loaders(ctx).handset.load(a.handset.id) : null;
  }

  @FieldResolver(() => Worker, { nullable: true, description: 'The worker holding it now' })
  async worker(@Root() s: SimCard, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openBySim.load(s.id);
    return a ? workerSeen(ctx, a.worker.id) : null;
  }

  @FieldResolver(() => [Assignment], { description: 'Handsets and workers it was with, newest first' })
  assignments(@Root() s: SimCard, @Ctx() { em }: GatewayContext) {
    return assignmentHistory(em, 'sim_id', s.id);
  }

  @FieldResolver(() => [FleetChange], { description: 'Every change to it, newest first' })
  history(@Root() s: SimCard, @Ctx() { em }: GatewayContext) {
    return changesOf(em, 'sim', s.id);
  }
}

@Resolver(() => Worker)
export class WorkerResolver {
  @Query(() => WorkerConnection, { description: 'Grid workers matching the filter, in id order' })
  async workers(
    @Arg('filter', () => WorkerFilterInput, { nullable: true }) filter: WorkerFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Worker>> {
    const page = requestPage(ctx.notices, 'workers', first, after, ctx.access.policy.rowCap);
    const found = await searchWorkers(ctx.em, filter ?? {}, page);
    ctx.readLog.saw(
      'Worker',
      found.nodes.map((w) => w.id),
    );
    return toConnection(found);
  }

  @Query(() => Worker, { description: 'One grid worker by worker number (工号)' })
  async worker(@Arg('code', () => String) code: string, @Ctx() ctx: GatewayContext): Promise<Worker> {
    const w = await findWorker(ctx.em, code);
    ctx.readLog.saw('Worker', [w.id]);
    return w;
  }

  @Mutation(() => Worker, { description: 'Registers a grid worker (the grid must exist)' })
  createWorker(
    @Arg('input', () => WorkerInput) input: WorkerInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Worker> {
    return createWorker(em, access.principal, { ...input });
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Mobile number (masked 3 + 4 unless permitted)',
  })
  phone(@Root() w: Worker, @Ctx() { access }: GatewayContext) {
    return access.show('phone', w.phone);
  }

  @FieldResolver(() => Boolean, { description: 'Linked to a person record of the database' })
  linkedToPerson(@Root() w: Worker) {
    return w.personId != null;
  }

  @FieldResolver(() => Handset, { nullable: true, description: 'The handset held now' })
  async handset(@Root() w: Worker, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openByWorker.load(w.id);
    return a ? loaders(ctx).handset.load(a.handset.id) : null;
  }

  @FieldResolver(() => SimCard, { nullable: true, description: 'The SIM held now' })
  async sim(@Root() w: Worker, @Ctx() ctx: GatewayContext) {
    const a = await loaders(ctx).openByWorker.load(w.id);
    return a?.sim ? loaders(ctx).sim.load(a.sim.id) : null;
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The grid served' })
  grid(@Root() w: Worker, @Ctx() ctx: GatewayContext): Promise<Region | null> {
    return ctx.loaders.regionByCode.load(w.gridCode);
  }

  @FieldResolver(() => [Assignment], { description: 'Handsets held, newest first' })
  assignments(@Root() w: Worker, @Ctx() { em }: GatewayContext) {
    return assignmentHistory(em, 'worker_id', w.id);
  }

  @FieldResolver(() => [FleetChange], { description: 'Every change to the record, newest first' })
  history(@Root() w: Worker, @Ctx() { em }: GatewayContext) {
    return changesOf(em, 'worker', w.id);
  }
}

@Resolver(() => Assignment)
export class AssignmentResolver {
  @FieldResolver(() => Handset)
  async handset(@Root() a: Assignment, @Ctx() ctx: GatewayContext) {
    return loaders(ctx).handset.load(String(a.handset.id));
  }

  @FieldResolver(() => SimCard, { nullable: true })
  sim(@Root() a: Assignment, @Ctx() ctx: GatewayContext) {
    return a.sim ? loaders(ctx).sim.load(String(a.sim.id)) : null;
  }

  @FieldResolver(() => Worker)
  async worker(@Root() a: Assignment, @Ctx() ctx: GatewayContext) {
    return workerSeen(ctx, String(a.worker.id));
  }
}

@Resolver(() => FleetChange)
export class FleetChangeResolver {
  @FieldResolver(() => GraphQLJSONObject, {
    description: '{ field: [old, new] } for each field that changed',
  })
  changes(@Root() c: FleetChange) {
    return c.changes;
  }
}

@Resolver(() => Checkin)
export class CheckinResolver {
  @FieldResolver(() => GraphQLJSONObject, { nullable: true })
  location(@Root() c: Checkin) {
    return c.location ?? null;
  }
}

@Resolver(() => FleetAudit)
export class FleetAuditResolver {
  @Query(() => FleetAuditConnection, { description: 'Audited fleet actions, oldest first' })
  async fleetAudit(
    @Arg('filter', () => FleetAuditFilterInput, { nullable: true }) filter: FleetAuditFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<FleetAudit>> {
    const page = requestPage(ctx.notices, 'fleetAudit', first, after, ctx.access.policy.rowCap);
    return toConnection(await searchFleetAudit(ctx.em, filter ?? {}, page));
  }

  @FieldResolver(() => GraphQLJSON, { description: 'Reason, token id, refusal rule, counts' })
  detail(@Root() a: FleetAudit) {
    return a.detail;
  }

  @FieldResolver(() => String, { nullable: true, description: 'The handset’s device id' })
  async deviceId(@Root() a: FleetAudit, @Ctx() ctx: GatewayContext) {
    if (!a.handsetId) return null;
    return (await loaders(ctx).handset.load(String(a.handsetId)))?.deviceId ?? null;
  }
}

@Resolver(() => AppRelease)
export class AppReleaseResolver {
  @Query(() => [AppRelease], { description: 'Releases of the grid app, newest (current) first' })
  appReleases(@Ctx() { em }: GatewayContext): Promise<AppRelease[]> {
    return listAppReleases(em);
  }

  @Mutation(() => AppRelease, { description: 'Registers a release; the highest version code is current' })
  createAppRelease(
    @Arg('input', () => AppReleaseInput) input: AppReleaseInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<AppRelease> {
    return createAppRelease(em, access.principal, input);
  }
}

@Resolver(() => FleetCompliance)
export class FleetComplianceResolver {
  @Query(() => FleetCompliance, {
    description:
      'The compliance view: online buckets, app versions, certificates, SIMs, workers, lost handsets still seen',
  })
  async fleetCompliance(
    @Arg('townshipCode', () => String, {
      nullable: true,
      description: 'A township (or any unit) code: handsets held by workers there',
    })
    townshipCode: string | null,
    @Arg('now', () => Date, { nullable: true, description: 'Compute as of this instant; default now' })
    now: Date | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<FleetCompliance> {
    const code = townshipCode?.trim() || null;
    // An unknown unit is REGION_NOT_FOUND here, not an empty view.
    if (code) await getRegionCached(ctx.em, code);
    return { now: now ?? new Date(), townshipCode: code };
  }

  @Query(() => String, {
    description: 'The per-handset rows as CSV (UTF-8 with BOM, CRLF, RFC 4180 quoting), for Excel',
  })
  async fleetComplianceCsv(
    @Arg('townshipCode', () => String, { nullable: true }) townshipCode: string | null,
    @Arg('now', () => Date, { nullable: true }) now: Date | null,
    @Arg('filter', () => ComplianceRowFilterInput, { nullable: true })
    filter: ComplianceRowFilterInput | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<string> {
    return (await exportComplianceCsv(em, { townshipCode, now }, filter ?? {})).csv;
  }

  @FieldResolver(() => ComplianceSummaryType)
  async summary(@Root() c: FleetCompliance, @Ctx() ctx: GatewayContext) {
    const s = await complianceSummaryFor(ctx, c);
    return {
      ...s,
      online: {
        under1h: s.online.UNDER_1H,
        from1hTo24h: s.online.FROM_1H_TO_24H,
        from1dTo30d: s.online.FROM_1D_TO_30D,
        over30d: s.online.OVER_30D,
        never: s.online.NEVER,
      },
      versions: {
        upToDate: s.versions.UP_TO_DATE,
        versionMismatch: s.versions.VERSION_MISMATCH,
        missing: s.versions.MISSING,
      },
    };
  }

  @FieldResolver(() => ComplianceRowConnection, { description: 'One row per counted handset, in id order' })
  async rows(
    @Root() c: FleetCompliance,
    @Arg('filter', () => ComplianceRowFilterInput, { nullable: true })
    filter: ComplianceRowFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<ComplianceRow>> {
    const page = requestPage(ctx.notices, 'fleetCompliance.rows', first, after, ctx.access.policy.rowCap);
    return toConnection(await complianceRows(ctx.em, c, filter ?? {}, page));
  }
}

const summaries = new WeakMap<GatewayContext, Map<string, Promise<ComplianceSummary>>>();

/** One summary per scope and instant per request. */
function complianceSummaryFor(
  ctx: GatewayContext,
  c: { townshipCode?: string | null; now?: Date | null },
): Promise<ComplianceSummary> {
  let seen = summaries.get(ctx);
  if (!seen) {
    seen = new Map();
    summaries.set(ctx, seen);
  }
  const key = `${c.townshipCode ?? ''}@${c.now?.toISOString() ?? ''}`;
  let found = seen.get(key);
  if (!found) {
    found = complianceSummary(ctx.em, c);
    seen.set(key, found);
  }
  return found;
}

@Resolver()
export class FleetImportResolver {
  @Mutation(() => FleetImportReport, {
    description:
      'Imports an inventory sheet: every row checked first; nothing is written unless all pass (see errors)',
  })
  async importFleetInventory(
    @Arg('input', () => FleetImportInput) input: FleetImportInput,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<FleetImportReport> {
    const file = inlineUpload(input, MAX_IMPORT_BYTES);
    const report = await importInventory(em, access.principal, {
      kind: IMPORT_KINDS[input.kind],
      file,
      encoding: input.encoding ?? undefined,
      sheet: input.sheet ?? undefined,
      dryRun: input.dryRun ?? false,
    });
    return {
      ...report,
      kind: input.kind,
      errors: report.errors.map((e) => ({ ...e, key: e.key ?? null, value: e.value ?? null })),
    };
  }
}

export const FLEET_RESOLVERS = [
  HandsetResolver,
  SimCardResolver,
  WorkerResolver,
  AssignmentResolver,
  FleetChangeResolver,
  CheckinResolver,
  FleetAuditResolver,
  AppReleaseResolver,
  FleetComplianceResolver,
  FleetImportResolver,
] as const;
