/**
 * CSV records from decoded text arriving in chunks, read as csv-parse reads them with the options of
 * `readSheetRows` ({ bom, relax_column_count, trim, skip_empty_lines: false }): comma-separated fields, RFC
 * 4180 quoting ("" for a quote, delimiters and line ends inside quotes), a byte-order mark dropped, the record
 * delimiter that of the first line end (CRLF, LF or CR), spaces, tabs and form feeds before a field and any
 * white space after an unquoted one trimmed, records of any length. A streamed statement is 100,000 lines:
 * csv-parse, which handles every option byte by byte, spent more time on them than PostgreSQL spends storing
 * them; here a line without a quote (nearly all of them) is split by the engine's own `split`, and only a line
 * with a quote is read character by character. Malformed quoting throws as csv-parse does (an opening quote
 * inside a field, text after a closing quote, a quote never closed).
 */
export class CsvRecordReader {
  private rest = '';
  private started = false;
  private delimiter: string | null = null;
  /** Records read so far, for the messages of errors. */
  private records = 0;

  /** Records read so far: when a chunk fails, the records before the failing one, yielded or not. */
  get recordsRead(): number {
    return this.records;
  }

  /** The records complete in the text given so far; with `final`, every remaining one. */
  push(chunk: string, final: boolean): string[][] {
    let text = this.rest + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: string[][] = [];
    const n = text.length;
    let pos = 0;
    if (this.delimiter === null) {
      const at = text.search(/[\r\n]/);
      if (at >= 0 && (at + 1 < n || final)) {
        this.delimiter = text[at] === '\n' ? '\n' : text[at + 1] === '\n' ? '\r\n' : '\r';
      } else if (!final) {
        this.rest = text;
        return out;
      }
    }
    const delimiter = this.delimiter ?? '\n';
    let quote = text.indexOf('"');
    while (pos < n) {
      const end = text.indexOf(delimiter, pos);
      if (end < 0 && !final) break;
      const lineEnd = end < 0 ? n : end;
      if (quote >= 0 && quote < pos) quote = text.indexOf('"', pos);
      if (quote < 0 || quote >= lineEnd) {
        out.push(plainFields(text.slice(pos, lineEnd)));
        pos = end < 0 ? n : end + delimiter.length;
      } else {
        const read = this.quoted(text, pos, delimiter, final);
        if (!read) break;
        out.push(read.fields);
        pos = read.next;
      }
      this.records++;
    }
    this.rest = text.slice(pos);
    return out;
  }

  /** A record with a quote in it, from `pos`; null when its end is not in the text yet. */
  private quoted(
    text: string,
    pos: number,
    delimiter: string,
    final: boolean,
  ): { fields: string[]; next: number } | null {
    const n = text.length;
    const fields: string[] = [];
    let i = pos;
    for (;;) {
      while (i < n && isLeadingTrim(text.charCodeAt(i))) i++;
      if (text[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) {
            if (final) throw this.error('Quote Not Closed: the parsing is finished with an opening quote');
            return null;
          }
          value += text.slice(i, close);
          if (close + 1 >= n && !final) return null;
          if (text[close + 1] === '"') {
            value += '"';
            i = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        while (i < n && !text.startsWith(delimiter, i) && isTrailingTrim(text.charCodeAt(i))) i++;
        fields.push(value);
        if (i >= n) {
          if (!final) return null;
          return { fields, next: n };
        }
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text.startsWith(delimiter, i)) return { fields, next: i + delimiter.length };
        throw this.error('Invalid Closing Quote: found non trimable byte after quote');
      }
      const comma = text.indexOf(',', i);
      const end = text.indexOf(delimiter, i);
      if (end < 0 && !final) return null;
      const stop = comma >= 0 && (end < 0 || comma < end) ? comma : end < 0 ? n : end;
      const value = text.slice(i, stop);
      if (value.includes('"')) {
        throw this.error(
          `Invalid Opening Quote: a quote is found on field ${fields.length} at line ${this.records + 1}, value is ${JSON.stringify(value)}`,
        );
      }
      fields.push(value.trimEnd());
      if (stop === comma) {
        i = comma + 1;
        continue;
      }
      return { fields, next: end < 0 ? n : end + delimiter.length };
    }
  }

  private error(message: string): Error {
    return new Error(message.includes(' at line ') ? message : `${message} at line ${this.records + 1}`);
  }
}

/** Space, tab, form feed: what csv-parse's trim drops before a field. */
const isLeadingTrim = (c: number) => c === 32 || c === 9 || c === 12;
/** After a closing quote: the same, and CR or LF that do not end the record. */
const isTrailingTrim = (c: number) => c === 32 || c === 9 || c === 12 || c === 13 || c === 10;

/** A line without quotes: its fields, trimmed as csv-parse trims unquoted fields. */
function plainFields(line: string): string[] {
  const fields = line.split(',');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length === 0) continue;
    let from = 0;
    while (from < f.length && isLeadingTrim(f.charCodeAt(from))) from++;
    fields[i] = (from ? f.slice(from) : f).trimEnd();
  }
  return fields;
}
