import { beforeAll, expect, it } from 'vitest';

beforeAll(() => {
  throw new Error('the hook fails');
});
it('runs after a failing hook', () => expect(true).toBe(true));
