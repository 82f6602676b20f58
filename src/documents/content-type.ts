// Which files may be uploaded, and what type each is. The decision, from the first bytes of the
// file (sniffed: cheap and not up to the client) where they identify the type, else from the
// filename's extension agreeing with what the bytes are:
//   - PDF, PNG, JPEG, GIF and WebP have unambiguous signatures: the signature decides the type,
//     whatever the name or the declared type say.
//   - DOCX, XLSX, ODT and ODS are ZIP files, DOC and XLS are OLE2 compound files: the container's
//     signature must be there, and the extension says which of its allowed formats it is (telling
//     them apart from the bytes would mean reading the archive's directory). A ZIP or OLE2 file
//     with any other extension (a .zip, an .exe renamed) is refused.
//   - Text and CSV have no signature: no NUL byte and valid UTF-8 in the first bytes, and an extension
//     of .txt or .csv (or, for a name without one, a declared text/plain or text/csv).
// Everything else is refused with 415. The stored content type is this decision, never the client's
// declared type as such, so a download's Content-Type is one of the allowed ones.

export const SNIFF_BYTES = 4096;

const byExtension: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
};

const zipFormats = new Set(['docx', 'xlsx', 'odt', 'ods']);
const oleFormats = new Set(['doc', 'xls']);
const textFormats = new Set(['txt', 'csv']);

/** Every content type a stored document can have. */
export const allowedContentTypes: ReadonlySet<string> = new Set(Object.values(byExtension));

function startsWith(head: Buffer, bytes: number[], offset = 0): boolean {
  return head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The type the signature proves, 'zip'/'ole' for containers, 'text' for plausible text, or null. */
function sniff(head: Buffer, complete: boolean): string | 'zip' | 'ole' | 'text' | null {
  if (startsWith(head, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  if (head.includes(0)) return null;
  // A multi-byte character cut at the end of the sniff window is still text.
  const text = complete ? head : trimPartialUtf8(head);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(text);
    return 'text';
  } catch {
    return null;
  }
}

function trimPartialUtf8(head: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, head.length); back++) {
    const byte = head[head.length - back]!;
    if ((byte & 0xc0) === 0xc0) return head.subarray(0, head.length - back);
    if ((byte & 0xc0) !== 0x80) break;
  }
  return head;
}

export function extensionOf(filename: string): string | null {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(filename);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * The content type to store for a file, or null when it is not allowed.
 * `head` is the first SNIFF_BYTES bytes (fewer when `complete`: the whole file).
 */
export function decideContentType(head: Buffer, filename: string, declared: string | null, complete: boolean): string | null {
  const sniffed = sniff(head, complete);
  if (sniffed === null) return null;
  const extension = extensionOf(filename);
  if (sniffed === 'zip') return extension && zipFormats.has(extension) ? byExtension[extension]! : null;
  if (sniffed === 'ole') return extension && oleFormats.has(extension) ? byExtension[extension]! : null;
  if (sniffed === 'text') {
    if (extension) return textFormats.has(extension) ? byExtension[extension]! : null;
    const type = declared?.split(';')[0]!.trim().toLowerCase();
    return type === 'text/plain' || type === 'text/csv' ? type : null;
  }
  return sniffed;
}
