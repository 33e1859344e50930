import { useStudioStore } from '../store/studio-store';
import { formatBytes } from './format';
import './StorageStatus.css';

/** How much the studio keeps in this browser, and whether the browser promised to keep it. */
export function StorageStatus() {
  const { known, persisted, usageBytes, quotaBytes, error } = useStudioStore((state) => state.storage);
  if (!known) return null;
  const usage =
    usageBytes === null
      ? 'usage unknown'
      : `${formatBytes(usageBytes)} used${quotaBytes ? ` of ${formatBytes(quotaBytes)}` : ''}`;
  const kept =
    persisted === true
      ? 'kept until you delete it'
      : persisted === false
        ? 'the browser may clear it when short of space'
        : 'no persistence information';
  return (
    <p className="storage-status" data-testid="storage-status" data-persisted={String(persisted)}>
      Stored in this browser: {error ? `unknown (${error})` : `${usage}; ${kept}`}
    </p>
  );
}
