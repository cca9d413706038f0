import { describe, expect, test } from 'vitest';
import { checkPlatform, debugSetting } from '../../../src/core/env-variables.js';

const lookup = (value: string | undefined) => (name: string) => (name === 'DOCKSTAGE_DEBUG' ? value : undefined);

describe('debugSetting (DOCKSTAGE_DEBUG)', () => {
  test('1, yes, true, on turn it on; unset, empty, 0, no, false, off leave it off, all without a warning', () => {
    for (const value of ['1', 'yes', 'TRUE', ' on ']) expect(debugSetting(lookup(value))).toEqual({ enabled: true, warning: undefined });
    for (const value of [undefined, '', '0', 'no', 'false', 'off'])
      expect(debugSetting(lookup(value))).toEqual({ enabled: false, warning: undefined });
  });

  test('anything else is off, with a one-line warning naming the variable and its value', () => {
    const { enabled, warning } = debugSetting(lookup('maybe'));
    expect(enabled).toBe(false);
    expect(warning?.message).toBe('DOCKSTAGE_DEBUG=maybe is not on or off; debug output stays off');
  });
});

describe('checkPlatform (DOCKER_DEFAULT_PLATFORM)', () => {
  test('os, os/arch and os/arch/variant with known names (and the usual aliases) pass', () => {
    for (const value of ['linux', 'linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/x86_64', 'windows/amd64', 'linux/aarch64']) {
      expect(checkPlatform(value, 'DOCKER_DEFAULT_PLATFORM')).toBeUndefined();
    }
  });

  test('anything else is a configuration error naming the variable', () => {
    for (const value of ['foo', 'linux/foo', 'amd64/linux', 'linux/amd64/v8/extra', 'linux/arm/v 7']) {
      const error = checkPlatform(value, 'DOCKER_DEFAULT_PLATFORM');
      expect(error?.message, value).toBe(`DOCKER_DEFAULT_PLATFORM=${value} is not a platform`);
      expect(error?.exitCode).toBe(2);
    }
  });
});
