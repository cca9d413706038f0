const { formatUptime } = require('./shared/format');

const started = Date.now();
const timer = setInterval(() => console.log(`worker tick, up ${formatUptime(Date.now() - started)}`), 5000);
console.log('worker started');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    clearInterval(timer);
    process.exit(0);
  });
}
