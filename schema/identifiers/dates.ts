/** Calendar helpers for birth dates: plain `YYYY-MM-DD` strings, never Date objects, so no time zones leak in. */

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when the 8 digits `YYYYMMDD` name a day of the (proleptic) Gregorian calendar. */
export function isExistingDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** `YYYYMMDD` → `YYYY-MM-DD`. */
export function isoDate(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Today's date in China (UTC+8, no daylight saving since 1991) as `YYYY-MM-DD`. A Date is an instant;
 * the hub's "today" is the calendar day in Beijing time whatever the server's TZ is.
 */
export function chinaDate(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The reference day for "not in the future" checks: a `YYYY-MM-DD` (or `YYYYMMDD`) string as given,
 * a Date read in China time, or the current day in China when omitted.
 */
export function resolveToday(today?: string | Date): string {
  if (today === undefined) return chinaDate(new Date());
  if (today instanceof Date) {
    if (Number.isNaN(today.getTime())) throw new RangeError('today: invalid Date');
    return chinaDate(today);
  }
  // Bulk validation passes the same day with every value: the last answer is kept.
  if (today === lastToday.given) return lastToday.day;
  const digits = /^\d{4}-\d{2}-\d{2}$/.test(today) ? today.replaceAll('-', '') : today;
  if (!isExistingDate(digits)) throw new RangeError(`today "${today}": must be a real date as YYYY-MM-DD`);
  const day = isoDate(digits);
  lastToday = { given: today, day };
  return day;
}

let lastToday = { given: '', day: '' };
