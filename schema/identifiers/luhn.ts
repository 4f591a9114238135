/**
 * The Luhn check digit (ISO/IEC 7812-1 "mod 10"), shared by IMEIs (3GPP TS 23.003) and ICCIDs (ITU-T E.118).
 * It catches every single-digit error and most swaps of adjacent digits.
 */

/**
 * The digit that, appended to `digits`, makes the whole string pass Luhn: walking from the right, every
 * second digit starting with the rightmost one is doubled (9 subtracted when above 9), and the check digit
 * brings the sum to a multiple of 10. Throws a RangeError unless `digits` is one or more ASCII digits.
 */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) {
    throw new RangeError(`Luhn check digit: ${JSON.stringify(digits)} must be one or more ASCII digits`);
  }
  let sum = 0;
  let double = true;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}
