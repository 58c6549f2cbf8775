import { afterAll } from 'vitest';
import { takeCoverage } from 'node:v8';

// Vitest ends its worker processes without a normal exit, so V8 never writes the
// coverage that c8 reads. Writing it after each file's tests keeps `c8` honest.
afterAll(() => {
  if (process.env.NODE_V8_COVERAGE) takeCoverage();
});
