const test = require('node:test');
const assert = require('node:assert');
const { formatUptime } = require('../src/shared/format');

test('formats minutes', () => {
  assert.strictEqual(formatUptime(120000), '2m');
});
