/** Render settings checks for tests. */
import assert from 'node:assert/strict';
import { RenderbayError } from '../../src/errors.js';
import { parseRenderSettings } from '../../src/settings/render-settings.js';

/** The error the settings schema gives `input`; fails the test if it is accepted. */
export function settingsError(input: unknown): RenderbayError {
  try {
    parseRenderSettings(input);
  } catch (error) {
    assert.ok(error instanceof RenderbayError);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be rejected`);
}
