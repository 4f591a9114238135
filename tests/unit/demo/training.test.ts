import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../../schema/datasets';
import { TRAINING_SESSION } from '../../../schema/datasets/organizations';
import { GenerationContext } from '../../../schema/demo/context';
import {
  apportion,
  DRILLS_FULL_SCALE,
  generateTraining,
  TRAINING_AUDIENCES,
  TRAINING_PERSON_TIMES_FULL_SCALE,
} from '../../../schema/demo/training';

/** The demo county's 培训、演练 for 2023 (domain.md §1: 29 drills, 1,280 person-times, training every quarter). */

const sessionsAt = (scale: number, seed: number | string = 1) =>
  generateTraining(new GenerationContext({ seed, scale }));
const quarterOf = (day: string) => Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1;

describe('the demo county’s training and drills', () => {
  it('reproduces the 2023 figures at full scale: 29 drills and 1,280 person-times', () => {
    const sessions = sessionsAt(1);
    expect(sessions.filter((s) => s.kind === 'drill')).toHaveLength(DRILLS_FULL_SCALE);
    expect(DRILLS_FULL_SCALE).toBe(29);
    expect(sessions.reduce((n, s) => n + s.participants, 0)).toBe(TRAINING_PERSON_TIMES_FULL_SCALE);
    expect(TRAINING_PERSON_TIMES_FULL_SCALE).toBe(1280);
  });

  it('trains every audience in every quarter, at any scale', () => {
    for (const scale of [1, 0.1, 0.02, 0.001]) {
      const sessions = sessionsAt(scale);
      for (const audience of TRAINING_AUDIENCES) {
        for (const q of [1, 2, 3, 4]) {
          const held = sessions.filter(
            (s) => s.kind === 'training' && s.audience === audience && quarterOf(s.heldOn) === q,
          );
          expect(held.length, `${scale} ${audience} Q${q}`).toBeGreaterThanOrEqual(1);
        }
      }
      expect(sessions.filter((s) => s.kind === 'drill').length, `${scale}`).toBeGreaterThanOrEqual(1);
      expect(sessions.every((s) => s.participants >= 1)).toBe(true);
      expect(sessions.every((s) => s.heldOn >= '2023-01-01' && s.heldOn <= '2023-12-31')).toBe(true);
    }
  });

  it('scales the person-times proportionally', () => {
    expect(sessionsAt(0.1).reduce((n, s) => n + s.participants, 0)).toBe(128);
    expect(sessionsAt(0.1).filter((s) => s.kind === 'drill')).toHaveLength(3);
  });

  it('is deterministic, with unique codes, in the county or a township, and valid against its data set', () => {
    const sessions = sessionsAt(1);
    expect(sessionsAt(1)).toStrictEqual(sessions);
    expect(sessionsAt(1, 2)).not.toStrictEqual(sessions);
    expect(new Set(sessions.map((s) => s.code)).size).toBe(sessions.length);
    for (const s of sessions) {
      expect(s.regionCode).toMatch(/^620725(\d{3})?$/);
      expect(s.regionPath).toBe(s.regionCode === '620725' ? '/620725/' : `/620725/${s.regionCode}/`);
      const { regionCode: _r, regionPath: _p, attributes, ...columns } = s;
      const result = validateRecord(TRAINING_SESSION, { columns, attributes }, { today: '2023-12-31' });
      expect(result.failures, s.code).toEqual([]);
    }
  });

  it('apportions a total exactly, at least one each', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(3, [100, 1, 1])).toEqual([1, 1, 1]);
    const sizes = apportion(1280, [5, 7, 11, 13]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1280);
  });
});
