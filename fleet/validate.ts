import { validateCitizenId } from '../schema/identifiers/citizen-id';
import { isExistingDate } from '../schema/identifiers/dates';
import { toHalfWidth } from '../schema/identifiers/fullwidth';
import { validateIccid } from '../schema/identifiers/iccid';
import { validateImei } from '../schema/identifiers/imei';
import { validatePhone } from '../schema/identifiers/phone';
import { DomainError } from '../schema/runtime/errors';
import { HandsetStatus, SimStatus, WorkerKind } from './inventory.entity';

/**
 * Field rules for the fleet inventory, shared by the one-record mutations and the spreadsheet import: each
 * rule turns a raw cell (text, number or Excel date) into the stored value or a failure naming the field and
 * the rule. The import collects every failure of every row into its report; a mutation throws them together.
 */

export interface FieldFailure {
  field: string;
  rule: string;
  message: string;
  value?: string;
}

/** One record's failures; the message lists them so that a CLI user sees all at once. */
export class FleetInputError extends DomainError {
  constructor(
    readonly record: string,
    readonly failures: FieldFailure[],
  ) {
    super(failures[0]!.rule, `${record}: ${failures.map((f) => `${f.field}: ${f.message}`).join('; ')}`, {
      record,
      field: failures[0]!.field,
      rule: failures[0]!.rule,
      failures,
    });
    this.name = 'FleetInputError';
  }
}

export type Raw = unknown;

export interface Checked<T> {
  values: T;
  failures: FieldFailure[];
}

/** Collects field values and failures of one record. */
export class RecordChecker {
  readonly failures: FieldFailure[] = [];

  fail(field: string, rule: string, message: string, value?: Raw): null {
    this.failures.push({
      field,
      rule,
      message,
      ...(value != null ? { value: String(value).slice(0, 60) } : {}),
    });
    return null;
  }

  text(field: string, raw: Raw, { required = false, max = 100, pattern }: TextRule = {}): string | null {
    const value = cellText(raw);
    if (!value) return required ? this.fail(field, 'REQUIRED', 'is required') : null;
    if (value.length > max) return this.fail(field, 'TOO_LONG', `is longer than ${max} characters`, value);
    if (pattern && !pattern.test(value)) {
      return this.fail(field, 'FORMAT', `must match ${pattern.source}`, value);
    }
    return value;
  }

  imei(field: string, raw: Raw, required: boolean): string | null {
    const value = cellText(raw);
    if (!value) return required ? this.fail(field, 'REQUIRED', 'is required') : null;
    const result = validateImei(value);
    return result.ok ? result.value : this.fail(field, result.rule, result.message, value);
  }

  iccid(field: string, raw: Raw): { iccid: string; carrier: string | null } | null {
    const value = cellText(raw);
    if (!value) return this.fail(field, 'REQUIRED', 'is required');
    const result = validateIccid(value);
    if (!result.ok) return this.fail(field, result.rule, result.message, value);
    return { iccid: result.value, carrier: result.carrier?.code ?? null };
  }

  phone(field: string, raw: Raw, kinds: ('mobile' | 'iot')[] = ['mobile', 'iot']): string | null {
    const value = cellText(raw);
    if (!value) return null;
    const result = validatePhone(value, { kinds });
    return result.ok ? result.value : this.fail(field, result.rule, result.message, value);
  }

  citizenId(field: string, raw: Raw): string | null {
    const value = cellText(raw);
    if (!value) return null;
    const result = validateCitizenId(value);
    return result.ok ? result.value : this.fail(field, result.rule, result.message, value);
  }

  date(field: string, raw: Raw): string | null {
    if (raw == null || raw === '') return null;
    const value = parseDate(raw);
    return (
      value ?? this.fail(field, 'DATE', 'is not a date (YYYY-MM-DD, YYYY/M/D, YYYYMMDD or YYYY年M月D日)', raw)
    );
  }

  /** Yuan with at most two decimals (a fee cell may be a number or text like "¥30.00"), returned in fen. */
  fen(field: string, raw: Raw): number | null {
    const text = cellText(raw)
      .replace(/^[¥￥]/, '')
      .replace(/元$/, '')
      .replace(/,/g, '');
    if (!text) return this.fail(field, 'REQUIRED', 'is required');
    if (!/^\d{1,7}(\.\d{1,2})?$/.test(text)) {
      return this.fail(field, 'MONEY', 'must be an amount in yuan with at most two decimals', raw);
    }
    const [yuan, cents = ''] = text.split('.');
    return Number(yuan) * 100 + Number(cents.padEnd(2, '0'));
  }

  choice<T extends string>(field: string, raw: Raw, labels: Record<string, T>, fallback?: T): T | null {
    const value = cellText(raw);
    if (!value) return fallback ?? this.fail(field, 'REQUIRED', 'is required');
    const hit = labels[value] ?? labels[value.toLowerCase()];
    if (hit) return hit;
    const allowed = [...new Set(Object.keys(labels))].join(', ');
    return this.fail(field, 'UNKNOWN_VALUE', `must be one of ${allowed}`, value);
  }
}

interface TextRule {
  required?: boolean;
  max?: number;
  pattern?: RegExp;
}

/** A cell as trimmed half-width text; Excel numbers without a float's noise. */
export function cellText(raw: Raw): string {
  if (raw == null) return '';
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw.toFixed(0) : String(raw);
  if (raw instanceof Date) return raw.toISOString().slice(0, 10);
  if (typeof raw === 'object' && raw && 'text' in raw) return cellText((raw as { text: unknown }).text);
  return toHalfWidth(String(raw)).trim();
}

/** YYYY-MM-DD from the spellings the IT office's sheets use, or null. */
export function parseDate(raw: Raw): string | null {
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw.toISOString().slice(0, 10);
  const text = cellText(raw);
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const digits = `${m[1]}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`;
  return isExistingDate(digits) ? `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}` : null;
}

/** Device ids are asset tags: letters, digits, dash and underscore. */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
export const WORKER_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export const HANDSET_STATUS_LABELS: Record<string, HandsetStatus> = {
  ...Object.fromEntries(Object.values(HandsetStatus).map((s) => [s, s])),
  在库: HandsetStatus.IN_STOCK,
  库存: HandsetStatus.IN_STOCK,
  已分配: HandsetStatus.ASSIGNED,
  在用: HandsetStatus.ACTIVE,
  使用中: HandsetStatus.ACTIVE,
  丢失: HandsetStatus.LOST,
  遗失: HandsetStatus.LOST,
  维修: HandsetStatus.UNDER_REPAIR,
  维修中: HandsetStatus.UNDER_REPAIR,
  报废: HandsetStatus.RETIRED,
};

export const SIM_STATUS_LABELS: Record<string, SimStatus> = {
  ...Object.fromEntries(Object.values(SimStatus).map((s) => [s, s])),
  在库: SimStatus.STOCK,
  库存: SimStatus.STOCK,
  在用: SimStatus.ACTIVE,
  正常: SimStatus.ACTIVE,
  停机: SimStatus.SUSPENDED,
  销户: SimStatus.CANCELLED,
  注销: SimStatus.CANCELLED,
};

export const WORKER_KIND_LABELS: Record<string, WorkerKind> = {
  ...Object.fromEntries(Object.values(WorkerKind).map((s) => [s, s])),
  专职: WorkerKind.FULL_TIME,
  专职网格员: WorkerKind.FULL_TIME,
  辅助: WorkerKind.AUXILIARY,
  辅助网格员: WorkerKind.AUXILIARY,
  兼职: WorkerKind.PART_TIME,
  兼职网格员: WorkerKind.PART_TIME,
};

export const CARRIER_LABELS: Record<string, string> = {
  cmcc: 'cmcc',
  cucc: 'cucc',
  ctcc: 'ctcc',
  中国移动: 'cmcc',
  移动: 'cmcc',
  中国联通: 'cucc',
  联通: 'cucc',
  中国电信: 'ctcc',
  电信: 'ctcc',
};

export interface HandsetFields {
  deviceId: string;
  imei1: string;
  imei2: string | null;
  serial: string | null;
  model: string;
  osVersion: string | null;
  purchaseDate: string | null;
  status: HandsetStatus;
}

export function checkHandset(raw: Record<string, Raw>): Checked<HandsetFields> {
  const c = new RecordChecker();
  const values = {
    deviceId: c.text('deviceId', raw.deviceId, { required: true, max: 40, pattern: DEVICE_ID }),
    imei1: c.imei('imei1', raw.imei1, true),
    imei2: c.imei('imei2', raw.imei2, false),
    serial: c.text('serial', raw.serial, { max: 60 }),
    model: c.text('model', raw.model, { required: true }),
    osVersion: c.text('osVersion', raw.osVersion, { max: 40 }),
    purchaseDate: c.date('purchaseDate', raw.purchaseDate),
    status: c.choice('status', raw.status, HANDSET_STATUS_LABELS, HandsetStatus.IN_STOCK),
  };
  if (values.imei1 && values.imei1 === values.imei2) {
    c.fail('imei2', 'IMEI_DUPLICATE', 'must differ from imei1', values.imei2);
  }
  return { values: values as HandsetFields, failures: c.failures };
}

export interface SimFields {
  iccid: string;
  msisdn: string | null;
  carrier: string;
  plan: string;
  monthlyFeeFen: number;
  status: SimStatus;
  activatedOn: string | null;
}

export function checkSim(raw: Record<string, Raw>): Checked<SimFields> {
  const c = new RecordChecker();
  const card = c.iccid('iccid', raw.iccid);
  const stated = cellText(raw.carrier)
    ? c.choice('carrier', raw.carrier, CARRIER_LABELS)
    : (card?.carrier ?? c.fail('carrier', 'REQUIRED', 'is required (the ICCID does not say which carrier)'));
  if (card?.carrier && stated && stated !== card.carrier) {
    c.fail(
      'carrier',
      'CARRIER_MISMATCH',
      `is ${stated} but the ICCID is a ${card.carrier} card`,
      raw.carrier,
    );
  }
  const values = {
    iccid: card?.iccid ?? null,
    msisdn: c.phone('msisdn', raw.msisdn),
    carrier: stated,
    plan: c.text('plan', raw.plan, { required: true }),
    monthlyFeeFen: c.fen('monthlyFee', raw.monthlyFee),
    status: c.choice('status', raw.status, SIM_STATUS_LABELS, SimStatus.STOCK),
    activatedOn: c.date('activatedOn', raw.activatedOn),
  };
  return { values: values as SimFields, failures: c.failures };
}

export interface WorkerFields {
  code: string;
  name: string;
  idNumber: string | null;
  phone: string | null;
  gridCode: string;
  kind: WorkerKind;
}

export function checkWorker(raw: Record<string, Raw>): Checked<WorkerFields> {
  const c = new RecordChecker();
  const values = {
    code: c.text('code', raw.code, { required: true, max: 40, pattern: WORKER_CODE }),
    name: c.text('name', raw.name, { required: true }),
    idNumber: c.citizenId('idNumber', raw.idNumber),
    phone: c.phone('phone', raw.phone, ['mobile']),
    gridCode: c.text('gridCode', raw.gridCode, { required: true, max: 20 }),
    kind: c.choice('kind', raw.kind, WORKER_KIND_LABELS),
  };
  return { values: values as WorkerFields, failures: c.failures };
}

export interface AssignmentFields {
  deviceId: string;
  workerCode: string;
  iccid: string | null;
  since: string | null;
}

export function checkAssignment(raw: Record<string, Raw>): Checked<AssignmentFields> {
  const c = new RecordChecker();
  const card = cellText(raw.iccid) ? c.iccid('iccid', raw.iccid) : null;
  const values = {
    deviceId: c.text('deviceId', raw.deviceId, { required: true, max: 40, pattern: DEVICE_ID }),
    workerCode: c.text('workerCode', raw.workerCode, { required: true, max: 40, pattern: WORKER_CODE }),
    iccid: card?.iccid ?? null,
    since: c.date('since', raw.since),
  };
  return { values: values as AssignmentFields, failures: c.failures };
}
