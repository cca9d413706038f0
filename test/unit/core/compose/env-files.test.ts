import { describe, expect, test } from 'vitest';
import { envFilesNamed } from '../../../../src/core/compose/env-files.js';

describe('envFilesNamed', () => {
  test("every spelling of env_file, resolved from the compose file's folder; interpolated names and bad YAML name none", () => {
    const text = [
      'services:',
      '  web:',
      '    env_file: ./web.env',
      '  api:',
      '    env_file: [common.env, /etc/shared.env]',
      '  worker:',
      '    env_file:',
      '      - path: ./worker.env',
      '        required: false',
      '      - ${SECRETS_FILE}',
      '  cache:',
      '    image: redis',
      '',
    ].join('\n');
    expect(envFilesNamed(text, '/p/compose.yaml')).toEqual(['/etc/shared.env', '/p/common.env', '/p/web.env', '/p/worker.env']);
    expect(envFilesNamed('services:\n  web:\n    env_file: ../up.env\n', '/p/deploy/compose.yaml')).toEqual(['/p/up.env']);
    expect(envFilesNamed('services: [unclosed', '/p/compose.yaml')).toEqual([]);
    expect(envFilesNamed('', '/p/compose.yaml')).toEqual([]);
  });
});
