// Files for upload fields, and downloads of the documents a case page links to.
import { readFile } from 'node:fs/promises';

import { expect, type Locator, type Page } from '@playwright/test';

/**
 * The smallest well-formed PDF: one empty page, with a correct cross-reference table, so that
 * anything that reads it as a PDF (not just its first bytes) accepts it.
 */
export function tinyPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * Clicks a link to a document, as a person would, and returns the file the browser saved
 * and the name it was offered under.
 */
export async function download(
  page: Page,
  link: Locator,
): Promise<{ bytes: Buffer; name: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const failure = await file.failure();
  expect(failure, `downloading ${file.url()}`).toBeNull();
  const saved = await file.path();
  return { bytes: await readFile(saved), name: file.suggestedFilename() };
}

/** Downloads the document behind `link` and checks it is a PDF. */
export async function expectPdfDownload(page: Page, link: Locator): Promise<Buffer> {
  const { bytes, name } = await download(page, link);
  expect(name).toMatch(/\.pdf$/);
  expect(bytes.subarray(0, 5).toString('latin1'), `${name} is not a PDF`).toBe('%PDF-');
  return bytes;
}
