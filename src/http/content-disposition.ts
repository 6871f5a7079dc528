/**
 * `Content-Disposition: attachment` built from a name the user chose (a model's original
 * name, a bundle name). The name reaches a header, so it must not be able to break out of
 * the quoted string or inject a path; non-ASCII names keep an ASCII fallback for old
 * clients and the exact name in RFC 6266 / RFC 8187 `filename*` form for the rest.
 */
export function attachmentDisposition(fileName: string): string {
  // Control characters, quotes, backslashes and path separators never belong in a file name.
  const cleaned = fileName.replace(/[\u0000-\u001f\u007f"\\/]/g, '_').trim() || 'download';
  const asciiFallback = cleaned.replace(/[^\x20-\x7e]/g, '_');
  let header = `attachment; filename="${asciiFallback}"`;
  if (asciiFallback !== cleaned) header += `; filename*=UTF-8''${encodeRfc8187(cleaned)}`;
  return header;
}

function encodeRfc8187(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
