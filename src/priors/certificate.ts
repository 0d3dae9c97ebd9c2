import type { Certificate, CertifyOptions } from './implicit_prior.js';

/** Sampled cases a certificate checks unless told otherwise. */
export const DEFAULT_CERTIFY_SAMPLES = 20000;

/** How many cases to sample for a certificate. */
export function certifySamples(options: CertifyOptions): number {
  return options.samples ?? DEFAULT_CERTIFY_SAMPLES;
}

/** A certificate from what was checked: passed when no checked case broke the property. */
export function certificate(property: string, checked: number, violations: number): Certificate {
  return { property, checked, violations, passed: violations === 0 };
}
