/** Hands a file to the browser's downloads, as a link with `download` would: nothing leaves the machine. */
export function saveFile(contents: Blob, name: string): void {
  const url = URL.createObjectURL(contents);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download reads the URL after click() returns: revoking it at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
