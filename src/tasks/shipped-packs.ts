/**
 * The shipped task packs as a browser (page or worker) fetches them: public/tasks is served under tasks/,
 * with index.json (the packs) and files.json (their images, written by the build).
 */
import { parseTaskFileListing, type TaskFileListing } from './task-files';
import { parseTaskIndex, type TaskInfo } from './task-index';

export interface ShippedCatalog {
  tasks: TaskInfo[];
  files: TaskFileListing;
}

/** The URL of a path below tasks/, e.g. `colours/test/red/000.png`. */
export const shippedTaskUrl = (path: string) =>
  `${import.meta.env.BASE_URL}tasks/${path.split('/').map(encodeURIComponent).join('/')}`;

async function fetchShipped(path: string): Promise<Response> {
  const response = await fetch(shippedTaskUrl(path));
  if (!response.ok) throw new Error(`tasks/${path}: HTTP ${response.status}`);
  return response;
}

export async function fetchShippedCatalog(): Promise<ShippedCatalog> {
  const [index, files] = await Promise.all(
    ['index.json', 'files.json'].map(async (path) => (await fetchShipped(path)).json() as Promise<unknown>),
  );
  return { tasks: parseTaskIndex(index), files: parseTaskFileListing(files) };
}

export async function fetchShippedImage(path: string): Promise<Blob> {
  return (await fetchShipped(path)).blob();
}
