import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateString, InterpolationError } from './interpolate.ts';

const env = (o: Record<string, string>) => (k: string) => o[k];

test('interpolation forms', () => {
  const e = env({ A: 'a', E: '' });
  assert.equal(interpolateString('${A}-$A-$$A', e, 'x'), 'a-a-$A');
  assert.equal(interpolateString('${E:-d} ${E-d} ${U-d}', e, 'x'), 'd  d');
  assert.equal(interpolateString('${A:+y}${E:+y}${E+z}', e, 'x'), 'yz');
  assert.equal(interpolateString('${U:-${A}}', e, 'x'), 'a');
  assert.throws(() => interpolateString('${X:?need X}', e, 'f.yaml: services.web.image'), (err: Error) =>
    err instanceof InterpolationError && /f\.yaml: services\.web\.image: required variable X is missing a value: need X/.test(err.message));
  assert.throws(() => interpolateString('${E:?}', e, 'x'), InterpolationError);
  assert.equal(interpolateString('${E?}', e, 'x'), '');
});
