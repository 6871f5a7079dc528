/** Render settings checks for tests. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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

/** One test per case: `input` is refused with invalid_settings (400) and a message matching the pattern (it names the field). */
export function testSettingsRejections(cases: [name: string, input: unknown, message: RegExp][]): void {
  for (const [name, input, message] of cases) {
    test(`rejects ${name} with invalid_settings naming the field`, () => {
      const error = settingsError(input);
      assert.equal(error.code, 'invalid_settings');
      assert.equal(error.status, 400);
      assert.match(error.message, message);
    });
  }
}
