const http = require('node:http');

const port = Number(process.env.PORT || 4000);
const server = http.createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ service: 'api', path: request.url }) + '\n');
});
server.listen(port, () => console.log(`api listening on ${port}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
