import { boundsFor, checkHyperparameters } from './hyperparameter-bounds';
import type { Hyperparameters, MethodContext, MethodId } from './method';

/**
 * A method's hyperparameters: the given ones over its defaults, read back with their types checked. Keys
 * the method does not know are refused, so a misspelt option fails loudly instead of being ignored. With the
 * method's context, every value is checked against its type and its range for that model and those classes
 * (hyperparameter-bounds.ts) here, before the method makes any tensor.
 */
export class MethodSettings {
  readonly values: Hyperparameters;

  constructor(
    private readonly method: string,
    defaults: Hyperparameters,
    given: Hyperparameters = {},
    context?: MethodContext,
  ) {
    const unknown = Object.keys(given).filter((key) => !Object.hasOwn(defaults, key));
    if (unknown.length > 0) {
      throw new Error(
        `${method}: unknown hyperparameter ${unknown.join(', ')} (known: ${Object.keys(defaults).join(', ')})`,
      );
    }
    this.values = { ...defaults, ...given };
    if (context) {
      const { model, tokenizer, classNames, tasks } = context;
      checkHyperparameters(
        method as MethodId,
        this.values,
        boundsFor(model.config.text.maxPositions, tokenizer, classNames, tasks),
      );
    }
  }

  number(key: string, check: { integer?: boolean; min?: number } = {}): number {
    const value = this.values[key];
    if (typeof value !== 'number') throw this.wrongType(key, 'number');
    if ((check.integer && !Number.isInteger(value)) || (check.min !== undefined && value < check.min)) {
      const kind = check.integer ? 'an integer' : 'a number';
      throw new Error(`${this.method}: ${key} must be ${kind} ≥ ${check.min ?? '-∞'}, got ${value}`);
    }
    return value;
  }

  string(key: string): string {
    const value = this.values[key];
    if (typeof value !== 'string') throw this.wrongType(key, 'string');
    return value;
  }

  boolean(key: string): boolean {
    const value = this.values[key];
    if (typeof value !== 'boolean') throw this.wrongType(key, 'boolean');
    return value;
  }

  /** One of `options`. */
  choice<T extends string>(key: string, options: readonly T[]): T {
    const value = this.string(key);
    if (!options.includes(value as T)) {
      throw new Error(`${this.method}: ${key} must be one of ${options.join(', ')}, got '${value}'`);
    }
    return value as T;
  }

  private wrongType(key: string, kind: string): Error {
    return new Error(`${this.method}: ${key} must be a ${kind}, got ${JSON.stringify(this.values[key])}`);
  }
}
