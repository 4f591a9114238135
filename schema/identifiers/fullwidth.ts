/**
 * Width folding shared by every identifier rule. Data typed on Chinese input methods often carries
 * full-width forms (６２０７２５…, ＋８６, （０９３６）, ｘ): fold them to ASCII before validating.
 *
 * Deliberately not `String.prototype.normalize('NFKC')`: NFKC also folds circled digits (①), superscripts
 * and parenthesised ideographs (㈠) into digits or letters, which would turn garbage into plausible
 * identifiers. Only the full-width ASCII block and the ideographic space are folded here.
 */

const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/g;
/** Zero-width characters and byte-order marks that spreadsheets and web forms leave in cells. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** U+FF01–U+FF5E become U+0021–U+007E; the ideographic space U+3000 becomes a space. Nothing else changes. */
export function toHalfWidth(text: string): string {
  return text.replace(FULL_WIDTH, (ch) =>
    ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - 0xfee0),
  );
}

/**
 * The first step of every identifier normaliser: width-folded, invisible characters removed, trimmed.
 * `null` and `undefined` become the empty string so that callers get an "empty" rule, not a crash.
 */
export function cleanIdentifierInput(input: string | null | undefined): string {
  if (input === null || input === undefined) return '';
  return toHalfWidth(String(input)).replace(INVISIBLE, '').trim();
}
