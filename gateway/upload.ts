import { DomainError } from '../schema/runtime/errors';

/**
 * A file sent inline in a GraphQL mutation (`fileName` + `contentBase64`): an inventory sheet, a carrier
 * statement. The name must be a plain file name (it is only shown and audited, never used as a path) and the
 * content real base64, not empty, and under the caller's cap.
 */
export function inlineUpload(
  input: { fileName: string; contentBase64: string },
  maxBytes: number,
): { name: string; content: Buffer } {
  const name = input.fileName.trim();
  if (!name || name.length > 200 || /[/\\]/.test(name))
    throw new DomainError('INVALID_UPLOAD', 'fileName: a plain file name (no folders), 1–200 characters', {
      field: 'fileName',
      rule: 'plain file name',
    });
  const text = input.contentBase64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1)
    throw new DomainError('INVALID_UPLOAD', 'contentBase64: not base64', {
      field: 'contentBase64',
      rule: 'base64',
    });
  const content = Buffer.from(text, 'base64');
  if (!content.length)
    throw new DomainError('INVALID_UPLOAD', 'contentBase64: the file is empty', {
      field: 'contentBase64',
      rule: 'non-empty',
    });
  if (content.length > maxBytes)
    throw new DomainError('INVALID_UPLOAD', `contentBase64: the file is over ${maxBytes} bytes`, {
      field: 'contentBase64',
      rule: `≤ ${maxBytes} bytes`,
    });
  return { name, content };
}
