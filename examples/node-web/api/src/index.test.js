// Excluded from the image by .dockerignore (**/*.test.js).
require('node:test')('placeholder', () => {});
