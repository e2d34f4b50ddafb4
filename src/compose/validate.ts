/**
 * Validation against the Compose Specification JSON schema (schema/compose-spec.json, vendored), with errors
 * that name the file, the service and the key, like docker compose's "services.web additional properties 'foo'".
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export class ComposeValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeValidationError';
  }
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(new URL('./schema/compose-spec.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  delete schema.$schema; // draft-07 meta-schema reference; ajv's default dialect validates it
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: false });
  compiled = ajv.compile(schema);
  return compiled;
}

/** Throws for the first problem; `file` names the compose file the document came from. */
export function validateCompose(doc: unknown, file: string): void {
  const validate = validator();
  if (validate(doc)) return;
  throw new ComposeValidationError(`${file}: ${describe(pickError(validate.errors ?? []))}`);
}

/** Prefer an unknown-key error; a oneOf failure first reports its branches, which reads badly. */
function pickError(errors: ErrorObject[]): ErrorObject {
  return errors.find((e) => e.keyword === 'additionalProperties') ?? errors.find((e) => e.keyword !== 'oneOf') ?? errors[0];
}

function describe(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = path.length === 0 ? '(root)' : path.join('.');
  if (e.keyword === 'additionalProperties') {
    return `${where} additional properties '${(e.params as { additionalProperty: string }).additionalProperty}' not allowed`;
  }
  if (e.keyword === 'type') return `${where} must be a ${(e.params as { type: string }).type}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
