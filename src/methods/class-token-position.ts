/** Where a prompt puts the class name among its context tokens (CoOp's class_token_position). */
export type ClassTokenPosition = 'end' | 'middle' | 'front';
export const CLASS_TOKEN_POSITIONS: readonly ClassTokenPosition[] = ['end', 'middle', 'front'];
