import { describe, expect, it } from 'vitest';
import { cleanIdentifierInput, toHalfWidth } from '../../../schema/identifiers';

describe('toHalfWidth', () => {
  it('folds the full-width ASCII block and the ideographic space', () => {
    expect(toHalfWidth('０１２３４５６７８９')).toBe('0123456789');
    expect(toHalfWidth('ＡＢＸＹＺａｂｘｙｚ')).toBe('ABXYZabxyz');
    expect(toHalfWidth('＋８６（０９３６）－')).toBe('+86(0936)-');
    expect(toHalfWidth('！～')).toBe('!~');
    expect(toHalfWidth('山丹\u3000县')).toBe('山丹 县');
  });

  it('leaves everything else alone (unlike NFKC)', () => {
    expect(toHalfWidth('①㈠²Ⅸ')).toBe('①㈠²Ⅸ');
    expect(toHalfWidth('620725 山丹县')).toBe('620725 山丹县');
    expect(toHalfWidth('ｶﾀｶﾅ')).toBe('ｶﾀｶﾅ');
  });
});

describe('cleanIdentifierInput', () => {
  it('folds, removes zero-width characters and byte-order marks, and trims', () => {
    expect(cleanIdentifierInput('\uFEFF ６２０\u200B７２５\u3000')).toBe('620725');
    expect(cleanIdentifierInput('\t620725\r\n')).toBe('620725');
  });

  it('turns null and undefined into the empty string', () => {
    expect(cleanIdentifierInput(null)).toBe('');
    expect(cleanIdentifierInput(undefined)).toBe('');
  });
});
