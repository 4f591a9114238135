/**
 * Identifier rules validated at the hub's edges (connectors, imports, GraphQL input, handset enrollment).
 * Pure functions: every validator returns `{ ok: true, value, warnings, ...derived }` or
 * `{ ok: false, rule, message, input }`; `unwrapIdentifier` turns a failure into an IdentifierError.
 */

import type { CitizenIdRule } from './citizen-id';
import type { CreditCodeRule } from './credit-code';
import type { DivisionRule, GridCodeRule } from './division-code';
import type { IccidRule } from './iccid';
import type { ImeiRule } from './imei';
import type { PhoneRule } from './phone';

export {
  type CitizenIdInfo,
  type CitizenIdMismatch,
  type CitizenIdMismatchRule,
  type CitizenIdOptions,
  type CitizenIdResult,
  type CitizenIdRule,
  type CitizenIdStated,
  type CitizenIdWarningRule,
  citizenIdCheckChar,
  crossCheckCitizenId,
  maskCitizenId,
  normaliseCitizenId,
  parseStatedBirthDate,
  parseStatedSex,
  type Sex,
  upgradeCitizenId15,
  validateCitizenId,
} from './citizen-id';
export {
  type CodeLabel,
  CREDIT_CODE_ALPHABET,
  type CreditCodeInfo,
  type CreditCodeOptions,
  type CreditCodeResult,
  type CreditCodeRule,
  type CreditCodeWarningRule,
  creditCodeCheckChar,
  normaliseCreditCode,
  validateCreditCode,
} from './credit-code';
export {
  type DivisionCodeInfo,
  type DivisionCodeOptions,
  type DivisionCodeResult,
  type DivisionKind,
  type DivisionLevel,
  type DivisionRule,
  type GridCodeInfo,
  type GridCodeResult,
  type GridCodeRule,
  isProvincePrefix,
  normaliseDivisionCode,
  PROVINCE_RANGES_TEXT,
  parseDivisionCode,
  parseGridCode,
} from './division-code';
export { cleanIdentifierInput, toHalfWidth } from './fullwidth';
export {
  DEFAULT_ICCID_CARRIERS,
  type IccidCarrier,
  type IccidCarrierCode,
  type IccidCarrierTable,
  type IccidInfo,
  type IccidOptions,
  type IccidResult,
  type IccidRule,
  type IccidWarningRule,
  iccidCheckDigit,
  maskIccid,
  normaliseIccid,
  validateIccid,
} from './iccid';
export {
  type ImeiInfo,
  type ImeiOptions,
  type ImeiResult,
  type ImeiRule,
  imeiCheckDigit,
  maskImei,
  normaliseImei,
  validateImei,
} from './imei';
export { luhnCheckDigit } from './luhn';
export {
  maskPhone,
  normalisePhone,
  type PhoneInfo,
  type PhoneKind,
  type PhoneOptions,
  type PhoneResult,
  type PhoneRule,
  validatePhone,
} from './phone';
export {
  IdentifierError,
  type IdentifierFailure,
  type IdentifierSuccess,
  type IdentifierWarning,
  unwrapIdentifier,
} from './result';

/** Every rule code a validator in this module can fail with. */
export type IdentifierRule =
  | CitizenIdRule
  | CreditCodeRule
  | DivisionRule
  | GridCodeRule
  | IccidRule
  | ImeiRule
  | PhoneRule;
