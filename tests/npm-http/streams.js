// Holds N event streams of one job open (no npm packages needed), waits
// for a line in every one of them, reports. Env: BASE, KEY, JOB, N, WANT
// (text every stream must receive), READY (a file written once all
// streams are open), TIMEOUT_MS.
'use strict';
const http = require('http');
const fs = require('fs');
const { BASE, KEY, JOB, WANT } = process.env;
const N = +process.env.N || 200, TIMEOUT = +process.env.TIMEOUT_MS || 20000;
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let open = 0, got = 0, errors = 0, done = false;
const reqs = [];
function finish(code, msg) {
  if (done) return;
  done = true;
  console.log(`streams: ${N} opened ${open}, received ${got}, errors ${errors}: ${msg}`);
  reqs.forEach(r => r.destroy());
  process.exit(code);
}
setTimeout(() => finish(1, 'timed out'), TIMEOUT);
for (let i = 0; i < N; i++) {
  const req = http.get(`${BASE}/api/jobs/${JOB}/events`, { agent, headers: { Authorization: 'Bearer ' + KEY } }, res => {
    if (res.statusCode !== 200) { errors++; finish(1, 'status ' + res.statusCode); return; }
    let buf = '', seen = false, counted = false;
    res.setEncoding('utf8');
    res.on('data', d => {
      buf += d;
      if (!counted && buf.includes('retry:')) {
        counted = true;
        if (++open === N && process.env.READY) fs.writeFileSync(process.env.READY, 'ready\n');
      }
      if (!seen && buf.includes(WANT)) { seen = true; if (++got === N) finish(errors ? 1 : 0, 'all streams got the event'); }
      if (buf.length > 65536) buf = buf.slice(-4096);
    });
    res.on('error', () => { errors++; });
    res.on('end', () => { if (!done && !seen) { errors++; finish(1, 'a stream ended early'); } });
  });
  req.on('error', e => { errors++; finish(1, 'connect: ' + e.message); });
  reqs.push(req);
}
