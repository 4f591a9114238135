import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DeviceCertificate, FleetAudit } from '../../fleet/ca.entity';
import { ComplianceFinding, OnlineBucket, VersionState } from '../../fleet/compliance.service';
import {
  Handset,
  HandsetStatus,
  SimCard,
  SimStatus,
  Worker,
  WorkerKind,
  WorkerStatus,
} from '../../fleet/inventory.entity';
import { ConnectionType } from '../connection';

/** The GraphQL shapes of the fleet API that are not entities: filters, inputs, the compliance view, reports. */

export const HandsetConnection = ConnectionType(Handset, 'Handset');
export const SimCardConnection = ConnectionType(SimCard, 'SimCard');
export const WorkerConnection = ConnectionType(Worker, 'Worker');
export const FleetAuditConnection = ConnectionType(FleetAudit, 'FleetAudit');

export enum FleetSubject {
  HANDSET = 'handset',
  SIM = 'sim',
  WORKER = 'worker',
}
registerEnumType(FleetSubject, { name: 'FleetSubject', description: 'What a fleet change history is of' });

export enum FleetImportKind {
  HANDSETS = 'handsets',
  SIMS = 'sims',
  WORKERS = 'workers',
  ASSIGNMENTS = 'assignments',
}
registerEnumType(FleetImportKind, {
  name: 'FleetImportKind',
  description: 'Which inventory sheet an import reads',
});

@InputType({ description: 'Which handsets: all conditions must hold' })
export class HandsetFilterInput {
  @Field(() => [HandsetStatus], { nullable: true }) statuses?: HandsetStatus[] | null;
  @Field(() => String, { nullable: true, description: 'Model name, exact (case-insensitive)' })
  model?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'A township, village or grid code: handsets held by workers of grids in that unit',
  })
  regionCode?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Part of a device id, serial, IMEI, ICCID, MSISDN, or a worker’s name or number',
  })
  search?: string | null;
  @Field(() => [OnlineBucket], { nullable: true }) online?: OnlineBucket[] | null;
  @Field(() => [VersionState], { nullable: true }) versionStates?: VersionState[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: held by a worker now; false: not' })
  hasWorker?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'true: a SIM on its open assignment; false: none' })
  hasSim?: boolean | null;
  @Field(() => Date, {
    nullable: true,
    description: 'Online buckets are measured from this instant; default now',
  })
  now?: Date | null;
}

@InputType({ description: 'Which SIM cards: all conditions must hold' })
export class SimFilterInput {
  @Field(() => [SimStatus], { nullable: true }) statuses?: SimStatus[] | null;
  @Field(() => String, { nullable: true, description: 'cmcc, cucc or ctcc' }) carrier?: string | null;
  @Field(() => String, { nullable: true, description: 'SIMs in handsets of workers of grids in this unit' })
  regionCode?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the ICCID or MSISDN, or the plan name' })
  search?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: in a handset now; false: not' })
  assigned?: boolean | null;
}

@InputType({ description: 'Which workers: all conditions must hold' })
export class WorkerFilterInput {
  @Field(() => [WorkerStatus], { nullable: true }) statuses?: WorkerStatus[] | null;
  @Field(() => [WorkerKind], { nullable: true }) kinds?: WorkerKind[] | null;
  @Field(() => String, { nullable: true, description: 'Workers of grids in this unit' })
  regionCode?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the name or worker number (工号)' })
  search?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: holding a handset now; false: not' })
  hasHandset?: boolean | null;
}

@InputType({ description: 'Which audited fleet actions' })
export class FleetAuditFilterInput {
  @Field(() => String, { nullable: true }) deviceId?: string | null;
  @Field(() => [String], {
    nullable: true,
    description: 'token.create, enroll, renew, revoke, import, assign, unassign, release.create…',
  })
  actions?: string[] | null;
  @Field(() => String, { nullable: true }) actor?: string | null;
  @Field(() => Date, { nullable: true, description: 'From this instant (inclusive)' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Until this instant (exclusive)' }) to?: Date | null;
}

@InputType({ description: 'A new handset' })
export class HandsetInput {
  @Field(() => String, { description: 'Asset tag: letters, digits, - and _, up to 40' }) deviceId!: string;
  @Field(() => String, { description: '15-digit IMEI (a 16-digit IMEISV is converted)' }) imei1!: string;
  @Field(() => String, { nullable: true }) imei2?: string | null;
  @Field(() => String, { nullable: true }) serial?: string | null;
  @Field(() => String) model!: string;
  @Field(() => String, { nullable: true }) osVersion?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) purchaseDate?: string | null;
  @Field(() => HandsetStatus, { nullable: true, description: 'Default IN_STOCK' })
  status?: HandsetStatus | null;
}

@InputType({ description: 'Changes to a handset’s inventory fields; fields left out keep their values' })
export class HandsetPatchInput {
  @Field(() => String, { nullable: true }) imei1?: string | null;
  @Field(() => String, { nullable: true, description: 'Explicit null removes it' }) imei2?: string | null;
  @Field(() => String, { nullable: true }) serial?: string | null;
  @Field(() => String, { nullable: true }) model?: string | null;
  @Field(() => String, { nullable: true }) osVersion?: string | null;
  @Field(() => String, { nullable: true }) purchaseDate?: string | null;
}

@InputType({ description: 'A new SIM card' })
export class SimInput {
  @Field(() => String, { description: '20 digits (or 19 without the check digit)' }) iccid!: string;
  @Field(() => String, { nullable: true }) msisdn?: string | null;
  @Field(() => String, { nullable: true, description: 'cmcc, cucc or ctcc; default: read from the ICCID' })
  carrier?: string | null;
  @Field(() => String) plan!: string;
  @Field(() => Int, { description: 'Monthly plan fee in fen (分)' }) monthlyFeeFen!: number;
  @Field(() => SimStatus, { nullable: true, description: 'Default STOCK' }) status?: SimStatus | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) activatedOn?: string | null;
}

@InputType({ description: 'A new grid worker' })
export class WorkerInput {
  @Field(() => String, { description: '工号' }) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: 'Citizen ID number, to link the person record' })
  idNumber?: string | null;
  @Field(() => String, { nullable: true, description: 'Mobile number' }) phone?: string | null;
  @Field(() => String, { description: 'The grid served (a grid code of the region tree)' }) gridCode!: string;
  @Field(() => WorkerKind) kind!: WorkerKind;
}

@InputType({ description: 'A new release of the grid app' })
export class AppReleaseInput {
  @Field(() => String, { description: 'e.g. 3.2.1' }) version!: string;
  @Field(() => Int) versionCode!: number;
  @Field(() => Int, { nullable: true, description: 'Default: versionCode' }) minVersionCode?: number | null;
  @Field(() => String, { description: 'SHA-256 of the APK, 64 hex digits' }) sha256!: string;
  @Field(() => String, { nullable: true }) notes?: string | null;
}

@InputType({
  description:
    'An inventory sheet uploaded inline: CSV (UTF-8 or GBK, detected) or XLSX. Nothing is written unless every row passes.',
})
export class FleetImportInput {
  @Field(() => FleetImportKind) kind!: FleetImportKind;
  @Field(() => String, { description: 'The file’s name; .xlsx is read as a workbook, anything else as CSV' })
  fileName!: string;
  @Field(() => String, { description: 'The file’s bytes, base64' }) contentBase64!: string;
  @Field(() => String, { nullable: true, description: 'CSV: utf-8, gbk or gb18030; default detected' })
  encoding?: string | null;
  @Field(() => String, { nullable: true, description: 'XLSX: sheet name; default the first sheet' })
  sheet?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Check and count only' }) dryRun?: boolean | null;
}

@ObjectType({ simpleResolvers: true, description: 'One refused cell of an import' })
export class FleetImportError {
  @Field(() => Int, { description: 'Row in the sheet (the header is row 1)' }) row!: number;
  @Field(() => String, { nullable: true, description: 'The record’s key (device id, ICCID, worker number)' })
  key!: string | null;
  @Field(() => String) field!: string;
  @Field(() => String, { description: 'Stable rule code: IMEI_CHECK, ICCID_LENGTH, REQUIRED…' })
  rule!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'What an inventory import found and did' })
export class FleetImportReport {
  @Field(() => FleetImportKind) kind!: FleetImportKind;
  @Field(() => String) file!: string;
  @Field(() => Int, { description: 'Data rows read' }) rows!: number;
  @Field(() => Int) inserted!: number;
  @Field(() => Int) updated!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => [FleetImportError]) errors!: FleetImportError[];
  @Field(() => [String], { description: 'Columns of the sheet the import does not read' })
  ignoredColumns!: string[];
  @Field(() => Boolean, { description: 'True when the rows were written (no errors, not a dry run)' })
  applied!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A one-time enrollment token, shown once' })
export class EnrollmentTokenIssued {
  @Field(() => String) deviceId!: string;
  @Field(() => String, { description: 'The secret: shown here only, stored as its hash' }) token!: string;
  @Field(() => Date) expiresAt!: Date;
  @Field(() => String, {
    description: 'The QR code’s content: JSON with the hub URL, token and CA fingerprint',
  })
  qrPayload!: string;
}

@ObjectType({ simpleResolvers: true, description: 'What a revocation did' })
export class HandsetRevocation {
  @Field(() => [DeviceCertificate], {
    description: 'The certificates revoked (none when it had no valid one)',
  })
  revoked!: DeviceCertificate[];
  @Field(() => String, { nullable: true, description: 'Number of the CRL published with the revocation' })
  crlNumber!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The release handsets should run' })
export class CurrentAppRelease {
  @Field(() => String) version!: string;
  @Field(() => Int) versionCode!: number;
  @Field(() => Int) minVersionCode!: number;
}

@ObjectType({ simpleResolvers: true, description: 'Counted handsets by the age of their last check-in' })
export class OnlineCounts {
  @Field(() => Int, { description: 'Seen less than 1 h ago' }) under1h!: number;
  @Field(() => Int, { description: '1 h ≤ age < 24 h' }) from1hTo24h!: number;
  @Field(() => Int, { description: '24 h ≤ age < 30 days' }) from1dTo30d!: number;
  @Field(() => Int, { description: 'age ≥ 30 days' }) over30d!: number;
  @Field(() => Int, { description: 'Never checked in' }) never!: number;
}

@ObjectType({ simpleResolvers: true, description: 'Counted handsets by app version state' })
export class VersionCounts {
  @Field(() => Int) upToDate!: number;
  @Field(() => Int) versionMismatch!: number;
  @Field(() => Int) missing!: number;
}

@ObjectType({ simpleResolvers: true })
export class HandsetStatusCount {
  @Field(() => HandsetStatus) status!: HandsetStatus;
  @Field(() => Int) count!: number;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'The fleet’s compliance, counted over handsets not retired; online buckets and version states each sum to `fleet`',
})
export class ComplianceSummaryType {
  @Field(() => Date) now!: Date;
  @Field(() => String, { nullable: true }) townshipCode!: string | null;
  @Field(() => CurrentAppRelease, { nullable: true, description: 'The highest version code released' })
  release!: CurrentAppRelease | null;
  @Field(() => Int, { description: 'Handsets counted: every status but retired' }) fleet!: number;
  @Field(() => Int, { description: 'Retired handsets, not counted' }) retired!: number;
  @Field(() => [HandsetStatusCount]) byStatus!: HandsetStatusCount[];
  @Field(() => OnlineCounts) online!: OnlineCounts;
  @Field(() => VersionCounts) versions!: VersionCounts;
  @Field(() => Int) belowMinVersion!: number;
  @Field(() => Int, { description: 'Latest active certificate expires within 30 days' })
  certExpiring!: number;
  @Field(() => Int, { description: 'Latest active certificate has expired' }) certExpired!: number;
  @Field(() => Int, { description: 'Active handsets without an active certificate' }) noCertificate!: number;
  @Field(() => Int, { description: 'Reported ICCID differs from the assigned SIM’s (机卡分离)' })
  simMismatch!: number;
  @Field(() => Int, { description: 'Handsets assigned or active: the base of withoutSim / withoutWorker' })
  inService!: number;
  @Field(() => Int, { description: 'In service, held by a worker, no SIM assigned' }) withoutSim!: number;
  @Field(() => Int, { description: 'In service, no worker' }) withoutWorker!: number;
  @Field(() => Int, { description: 'Lost, and seen after it was marked lost' }) lostStillCheckingIn!: number;
  @Field(() => Int) imeiChanged!: number;
  @Field(() => Int, { description: 'Handsets with at least one finding' }) withFindings!: number;
}

@ObjectType({ simpleResolvers: true, description: 'One handset in the compliance view' })
export class ComplianceRowType {
  @Field(() => ID, { description: 'The handset’s id' }) id!: string;
  @Field(() => String) deviceId!: string;
  @Field(() => String) imei1!: string;
  @Field(() => String) model!: string;
  @Field(() => HandsetStatus) status!: HandsetStatus;
  @Field(() => String, { nullable: true }) workerCode!: string | null;
  @Field(() => String, { nullable: true }) workerName!: string | null;
  @Field(() => String, { nullable: true }) gridCode!: string | null;
  @Field(() => String, { nullable: true }) townshipCode!: string | null;
  @Field(() => String, { nullable: true }) townshipName!: string | null;
  @Field(() => String, { nullable: true, description: 'ICCID of the SIM on its open assignment' })
  simIccid!: string | null;
  @Field(() => String, { nullable: true, description: 'ICCID reported at the last check-in' })
  iccidSeen!: string | null;
  @Field(() => Date, { nullable: true }) lastSeenAt!: Date | null;
  @Field(() => OnlineBucket) onlineBucket!: OnlineBucket;
  @Field(() => String, { nullable: true }) appVersion!: string | null;
  @Field(() => Int, { nullable: true }) appVersionCode!: number | null;
  @Field(() => VersionState) versionState!: VersionState;
  @Field(() => String, { nullable: true, description: 'Latest active certificate' }) certSerial!:
    | string
    | null;
  @Field(() => Date, { nullable: true }) certNotAfter!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it was marked lost (lost handsets)' })
  lostAt!: Date | null;
  @Field(() => [ComplianceFinding]) findings!: ComplianceFinding[];
}

export const ComplianceRowConnection = ConnectionType(ComplianceRowType, 'ComplianceRow');

@InputType({ description: 'Which compliance rows: all conditions must hold' })
export class ComplianceRowFilterInput {
  @Field(() => [OnlineBucket], { nullable: true }) buckets?: OnlineBucket[] | null;
  @Field(() => [VersionState], { nullable: true }) versionStates?: VersionState[] | null;
  @Field(() => [ComplianceFinding], { nullable: true, description: 'Rows with any of these findings' })
  findings?: ComplianceFinding[] | null;
  @Field(() => Boolean, { nullable: true, description: 'true: rows with a finding; false: clean rows' })
  withFindings?: boolean | null;
  @Field(() => [HandsetStatus], { nullable: true }) statuses?: HandsetStatus[] | null;
}

/** The compliance view of a scope at an instant; its summary and rows are computed when asked for. */
@ObjectType({ description: 'The fleet’s compliance view: a summary and one row per handset' })
export class FleetCompliance {
  @Field(() => Date, { description: 'The instant the view is computed at' }) now!: Date;
  @Field(() => String, { nullable: true, description: 'The unit it is limited to, if any' })
  townshipCode!: string | null;
}
