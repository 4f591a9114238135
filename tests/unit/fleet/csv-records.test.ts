import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvRecordReader } from '../../../fleet/csv-records';

/**
 * The streamed statement reader splits CSV itself: for every input, and however the text is cut into chunks,
 * it must give the records csv-parse gives with the options of readSheetRows, and refuse what csv-parse refuses.
 */

const OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: false, trim: true };

function read(text: string, size: number): string[][] {
  const reader = new CsvRecordReader();
  const records: string[][] = [];
  for (let i = 0; i < text.length; i += size) records.push(...reader.push(text.slice(i, i + size), false));
  records.push(...reader.push('', true));
  return records;
}

const SAMPLES = [
  'a,b,c\r\n1,2,3\r\n',
  '\ufeffa, b ,c\n"x,y","q""q",z\n',
  'h1,h2\r\n"multi\r\nline",2\r\n  "lead" ,x\r\n\r\n,,\r\nlast,row',
  'a\rb\rc',
  '"a"  ,b\n"",""\n',
  'x,\t y \t,z  \n',
  '中国,"移动,账单"\r\n合计,,,31.00,,\r\n',
  'a,"b\nc"\n"d",e',
  'one field only',
  '',
  '\n\n',
  'a,b\n',
];

describe('CsvRecordReader', () => {
  it('reads what csv-parse reads, in chunks of any size', () => {
    for (const sample of SAMPLES) {
      const expected = parse(sample, OPTIONS);
      for (let size = 1; size <= sample.length + 1; size++) {
        expect([sample, size, read(sample, size)]).toEqual([sample, size, expected]);
      }
    }
  });

  it('refuses malformed quoting as csv-parse does', () => {
    for (const bad of ['a,b"c\n', '"abc"x,1\n', '"never closed\n1,2']) {
      expect(() => parse(bad, OPTIONS)).toThrow();
      expect(() => read(bad, 4)).toThrow(/Quote/);
    }
  });
});
