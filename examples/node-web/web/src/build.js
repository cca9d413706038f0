// The "compile" step of the builder stage: copy src/ to dist/ (a stand-in for tsc or a bundler).
const fs = require('node:fs');
const path = require('node:path');

const from = path.join(__dirname);
const to = path.join(__dirname, '..', 'dist');
fs.cpSync(from, to, { recursive: true, filter: (file) => !file.endsWith('build.js') });
console.log(`built ${to}`);
