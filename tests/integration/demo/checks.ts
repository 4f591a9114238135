/**
 * Identifier checks written independently of schema/identifiers (from the standards' text in
 * shared/reference/identifiers.md), so that a bug in either the generator or the hub's validators shows.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11643: 17 digits + check character "10X98765432"[Σ a_i·W_i mod 11]. */
export function citizenIdPasses(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * ID_WEIGHTS[i]!;
  return '10X98765432'[sum % 11] === id[17];
}

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** GB 32100: 17 symbols of the 31-symbol alphabet + check c = 31 − (Σ mod 31), 31 → 0. */
export function creditCodePasses(code: string): boolean {
  if (code.length !== 18 || [...code].some((ch) => !CREDIT_ALPHABET.includes(ch))) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_ALPHABET.indexOf(code[i]!) * CREDIT_WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return CREDIT_ALPHABET[c === 31 ? 0 : c] === code[17];
}

/** The birth date (YYYY-MM-DD) and GB/T 2261.1 sex code an ID number encodes. */
export function citizenIdFacts(id: string): { birthDate: string; sex: '1' | '2' } {
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    sex: Number(id[16]) % 2 === 1 ? '1' : '2',
  };
}

export function isRealDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}
