const ms = require('ms');

/** Formats an uptime in milliseconds for humans, e.g. "2m". */
function formatUptime(milliseconds) {
  return ms(Math.max(0, Math.round(milliseconds)));
}

module.exports = { formatUptime };
