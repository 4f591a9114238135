import { describe, expect, it } from 'vitest';
import { luhnCheckDigit } from '../../../schema/identifiers';
import { digits, seededRandom, singleSubstitutions } from './seeded';

/** Textbook Luhn validation of a whole number, check digit included: double every second digit from the right. */
function passesLuhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

describe('luhnCheckDigit', () => {
  it.each([
    ['7992739871', 3],
    ['411111111111111', 1],
    ['49015420323751', 8],
    ['35871837146665', 2],
    ['8986007031011209432', 0],
    ['0', 0],
    ['1', 8],
    ['9', 1],
    ['00000000000000', 0],
  ])('the check digit of %s is %i', (body, check) => {
    expect(luhnCheckDigit(body)).toBe(check);
  });

  it('refuses anything but ASCII digits', () => {
    expect(() => luhnCheckDigit('')).toThrow(RangeError);
    expect(() => luhnCheckDigit('12a4')).toThrow('must be one or more ASCII digits');
    expect(() => luhnCheckDigit('12 34')).toThrow(RangeError);
    expect(() => luhnCheckDigit('１２３')).toThrow(RangeError);
  });

  it('agrees with textbook validation on seeded bodies of every length from 1 to 22', () => {
    const random = seededRandom(7812);
    for (let length = 1; length <= 22; length++) {
      for (let n = 0; n < 20; n++) {
        const body = digits(random, length);
        const check = luhnCheckDigit(body);
        expect(passesLuhn(`${body}${check}`), body).toBe(true);
        for (let other = 0; other < 10; other++) {
          if (other !== check) expect(passesLuhn(`${body}${other}`), `${body}${other}`).toBe(false);
        }
      }
    }
  });

  it('catches every single-digit change', () => {
    const number = '79927398713';
    for (const m of singleSubstitutions(number, () => '0123456789')) {
      expect(String(luhnCheckDigit(m.slice(0, -1))) === m.slice(-1), m).toBe(false);
    }
  });
});
