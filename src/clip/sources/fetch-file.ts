/** HTTP GET of one model file, reading the body as a stream so a progress bar can follow large graphs. */

export interface FileProgress {
  /** The file's Hub-layout path, e.g. onnx/vision_model.onnx. */
  file: string;
  loaded: number;
  /** From Content-Length; null when the server does not say. */
  total: number | null;
  /** Served from the browser's cache rather than the network. */
  cached: boolean;
}

export type ProgressListener = (progress: FileProgress) => void;

/** The body of `url`, or null when the server says the file does not exist (404). */
export async function fetchFile(
  url: string,
  file: string,
  onProgress?: ProgressListener,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (error) {
    throw new Error(`could not download ${url} (offline?): ${(error as Error).message}`);
  }
  if (response.status === 404) return null;
  if (response.status === 401 || response.status === 403) {
    throw new Error(`${url}: HTTP ${response.status}; the repository does not exist, or is private or gated`);
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return readBody(response, file, false, onProgress);
}

/** Reads a response body chunk by chunk, reporting bytes so far. */
export async function readBody(
  response: Response,
  file: string,
  cached: boolean,
  onProgress?: ProgressListener,
): Promise<Uint8Array> {
  const header = response.headers.get('content-length');
  const total = header === null ? null : Number(header);
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ file, loaded: bytes.length, total: bytes.length, cached });
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  onProgress?.({ file, loaded, total, cached });
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value);
    loaded += next.value.length;
    onProgress?.({ file, loaded, total, cached });
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
