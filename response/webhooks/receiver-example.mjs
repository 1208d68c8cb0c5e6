// A minimal receiver for Vigil's webhooks (Node 18+, no dependencies): verifies the Standard
// Webhooks signature, refuses replays older than 5 minutes and skips webhook-ids it has already
// processed. The README shows this file; test/response/webhooks/receiver-example.test.ts runs it.
//   WEBHOOK_SECRETS="whsec_new whsec_old" PORT=9000 node receiver-example.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secrets = (process.env.WEBHOOK_SECRETS ?? '').split(/\s+/).filter(Boolean);
const toleranceSec = 5 * 60;
const seen = new Map(); // webhook-id → when it arrived; keep longer than Vigil's retry window

function verify(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const signatures = String(headers['webhook-signature'] ?? '').split(' ');
  if (!id || !Number.isInteger(timestamp)) return 'missing webhook headers';
  if (Math.abs(Date.now() / 1000 - timestamp) > toleranceSec) return 'timestamp too old or in the future';
  for (const secret of secrets) {
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    for (const s of signatures) {
      const given = Buffer.from(s.replace(/^v1,/, ''), 'base64');
      if (s.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected)) return null;
    }
  }
  return 'bad signature';
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks); // verify the raw bytes, before any JSON parsing
    const problem = verify(req.headers, body);
    if (problem) {
      res.writeHead(401).end(problem);
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.set(id, Date.now());
      const { type, timestamp, data } = JSON.parse(body.toString('utf8'));
      // Your processing goes here.
      console.log(JSON.stringify({ id, type, timestamp, incident: data.incidentId ?? data.vigil?.incident?.id ?? null }));
    }
    res.writeHead(204).end(); // a duplicate is acknowledged too, so Vigil stops retrying it
  });
}).listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => console.error('listening'));
