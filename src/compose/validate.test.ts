import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCompose, ComposeValidationError } from './validate.ts';

test('schema errors name the file, service and key', () => {
  validateCompose({ services: { web: { image: 'busybox', ports: ['80:80'] } } }, 'compose.yaml');
  assert.throws(() => validateCompose({ services: { web: { image: 'busybox', imagee: 'x' } } }, 'compose.yaml'),
    (e: Error) => e instanceof ComposeValidationError && e.message === "compose.yaml: services.web additional properties 'imagee' not allowed");
  assert.throws(() => validateCompose({ services: { web: { image: 'busybox', privileged: [] } } }, 'c.yml'), /c\.yml: services\.web\.privileged must be/);
});
