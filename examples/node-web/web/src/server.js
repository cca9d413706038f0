const http = require('node:http');
const { formatUptime } = require('./shared/format');

const started = Date.now();
const port = Number(process.env.PORT || 3000);

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ service: 'web', env: process.env.NODE_ENV, up: formatUptime(Date.now() - started) }) + '\n');
});

server.listen(port, () => console.log(`web listening on ${port}`));

// Stop promptly on `docker stop` (compose recreates would otherwise wait 10 s).
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
