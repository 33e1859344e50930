/** Whether the browser keeps the studio's data under storage pressure, and how much of the quota it uses. */
export interface StorageStatus {
  /** null where the browser has no StorageManager. */
  persisted: boolean | null;
  usageBytes: number | null;
  quotaBytes: number | null;
}

/** Asks once for persistent storage (browsers may grant it silently or refuse) and reads the estimate. */
export async function requestPersistentStorage(): Promise<StorageStatus> {
  const manager = typeof navigator === 'undefined' ? undefined : navigator.storage;
  if (!manager) return { persisted: null, usageBytes: null, quotaBytes: null };
  const persisted = (await manager.persisted?.()) || ((await manager.persist?.()) ?? false);
  return { persisted, ...(await storageUsage()) };
}

export async function storageUsage(): Promise<Pick<StorageStatus, 'usageBytes' | 'quotaBytes'>> {
  const estimate = await navigator.storage?.estimate?.();
  return { usageBytes: estimate?.usage ?? null, quotaBytes: estimate?.quota ?? null };
}
