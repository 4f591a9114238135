import { luhnCheckDigit } from '../schema/identifiers/luhn';

/**
 * How the demo fleet numbers things, and its app releases: worker n (1-based) holds handset SD-n and SIM n from the start of the
 * reference year; SIMs after the workers' are spares in stock. Shared by the fleet demo and the fees demo,
 * whose planted discrepancies name workers by n.
 */

const withLuhn = (body: string) => body + luhnCheckDigit(body);

export const imeiOf = (n: number) =>
  withLuhn(`86${String(56_1234 + (n % 7)).padStart(6, '0')}${String(n).padStart(6, '0')}`);

/** China Telecom (898603) for every third SIM, China Mobile (898600) for the rest: two carriers' bills. */
export const carrierOf = (n: number): 'cmcc' | 'ctcc' => (n % 3 === 2 ? 'ctcc' : 'cmcc');

export const iccidOf = (n: number) =>
  withLuhn(`${carrierOf(n) === 'ctcc' ? '898603' : '898600'}2307${String(n).padStart(9, '0')}`);

export const msisdnOf = (n: number) =>
  `${carrierOf(n) === 'ctcc' ? '1893' : '1389'}${String(360_0000 + n).padStart(7, '0')}`;

export const deviceIdOf = (n: number) => `SD-${String(n).padStart(5, '0')}`;

export const workerCodeOf = (n: number) => `WGY${String(n).padStart(4, '0')}`;

/** The handset app's releases in the demo's reference year. */
export const DEMO_RELEASES = [
  { version: '3.1.0', versionCode: 310, minVersionCode: 300, releasedAt: '2023-03-01T02:00:00Z' },
  { version: '3.2.0', versionCode: 320, minVersionCode: 300, releasedAt: '2023-07-10T02:00:00Z' },
  { version: '3.3.0', versionCode: 330, minVersionCode: 310, releasedAt: '2023-11-20T02:00:00Z' },
];
