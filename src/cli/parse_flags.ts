import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad numbers with a message naming the value. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got "${value}".`);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got ${n}.`);
    return n;
  };
}

export function numberIn(min: number, max: number, { exclusiveMin = false } = {}): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}".`);
    if (n < min || n > max || (exclusiveMin && n === min)) {
      throw new InvalidArgumentError(`expected a number in ${exclusiveMin ? '(' : '['}${min}, ${max}], got ${n}.`);
    }
    return n;
  };
}
