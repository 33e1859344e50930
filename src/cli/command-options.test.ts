import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseArgs } from './args';
import { COMMAND_OPTIONS, checkOptions, editDistance, nearestOption } from './command-options';
import { main } from './main';

describe('options a command does not take', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('are refused before the command runs, naming the nearest option, with exit code 2', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // The task folder does not exist: had train started, it would fail on it instead.
    const code = await main(['train', '--method', 'coop', '--task', 'no/such/dir', '--ephocs', '5']);
    expect(code).toBe(2);
    expect(stderr).toHaveBeenCalledWith(
      'prompt-studio train: unknown option --ephocs for train; did you mean --epochs?\n',
    );
  });

  it('are reported in the JSON output with --json', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['predict', '--prompts', 'p.json', '--topk', '2', '--json'])).toBe(2);
    expect(stdout).toHaveBeenCalledWith(
      `${JSON.stringify({ error: 'unknown option --topk for predict; did you mean --top-k?' })}\n`,
    );
  });

  it('differ per command: --resume is transfer’s, not train’s', () => {
    expect(() => checkOptions('transfer', parseArgs(['--resume', '--tasks', 'a,b']))).not.toThrow();
    expect(() => checkOptions('train', parseArgs(['--resume']))).toThrow(
      'unknown option --resume for train; did you mean --method?',
    );
    expect(() => checkOptions('check engine', parseArgs(['--cpu', '--json']))).not.toThrow();
    expect(() => checkOptions('eval', parseArgs(['--seeds', '1']))).toThrow(
      'unknown option --seeds for eval; did you mean --model?',
    );
  });

  it('name the nearest by edits, a swap of neighbours counting as one', () => {
    expect(editDistance('ephocs', 'epochs')).toBe(2);
    expect(editDistance('sohts', 'shots')).toBe(1);
    expect(editDistance('', 'lr')).toBe(2);
    expect(nearestOption('bach-size', COMMAND_OPTIONS.train as string[])).toBe('batch-size');
    expect(nearestOption('seed', COMMAND_OPTIONS.train as string[])).toBe('seeds');
  });

  it('take flags without values: --no-augment does not swallow the next word', () => {
    expect(parseArgs(['--no-augment', 'extra']).positional).toEqual(['extra']);
  });
});
