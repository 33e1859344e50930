import { useEffect } from 'react';

/**
 * While `active`, leaving or reloading the page asks first, in the browser's own dialog. What is lost is
 * only the epochs since the last checkpoint (a reload lists the session to resume), but a person should
 * not stop a session by accident.
 */
export function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [active]);
}
