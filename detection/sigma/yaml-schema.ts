// The js-yaml schema Sigma files are read with. YAML 1.2's core schema turns `00000429` into
// 429 and `1.50` into 1.5, losing the text the rule author meant; here a plain scalar becomes a
// number only when the number prints back as the same text, and dates stay `YYYY-MM-DD` strings.
import yaml from 'js-yaml';

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(0|[1-9][0-9]*)\.[0-9]+$/;

function isCanonicalNumber(text: string): boolean {
  return (INTEGER.test(text) || DECIMAL.test(text)) && String(Number(text)) === text && Number.isFinite(Number(text));
}

const sigmaInt = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && INTEGER.test(data) && isCanonicalNumber(data),
  construct: (data: string) => Number(data),
  predicate: (obj: unknown) => typeof obj === 'number' && Number.isInteger(obj),
  represent: (obj: object) => String(obj),
});

const sigmaFloat = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && DECIMAL.test(data) && isCanonicalNumber(data),
  construct: (data: string) => Number(data),
  predicate: (obj: unknown) => typeof obj === 'number' && !Number.isInteger(obj),
  represent: (obj: object) => String(obj),
});

/** YAML core schema (no timestamps, no merge keys) with int/float replaced by the text-preserving ones. */
export const SIGMA_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [sigmaInt, sigmaFloat] });
