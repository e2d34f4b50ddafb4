/** Declarative flag definitions, pflag style: a long name, an optional one-letter shorthand, a value type. */
export type FlagType = 'bool' | 'string' | 'int' | 'list';

export interface FlagSpec {
  readonly long: string;
  readonly short?: string;
  readonly type: FlagType;
  readonly help: string;
  /** Shown after the flag name in --help ("string", "int", "list", "filter", ...). */
  readonly valueName?: string;
  readonly default?: string | number | boolean;
  readonly hidden?: boolean;
}

export type FlagValue = boolean | string | number | string[];

const flag =
  (type: FlagType) =>
  (long: string, short: string | undefined, help: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({
    long, short, type, help, ...extra,
  });

export const boolFlag = flag('bool');
export const stringFlag = flag('string');
export const intFlag = flag('int');
export const listFlag = flag('list');
