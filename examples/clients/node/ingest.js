#!/usr/bin/env node
// Web-tier ingest with node-redis: send behaviour events to kizuna, read scores back.
// The Node twin of ../python/ingest.py: same input, same output.
//
//   node ingest.js --port 7379 events.jsonl      (or the events on stdin)
//
// Each line is one JSON event: {"customer":"c1","action":"view","item":"product:A","id":"req-81"}.
// node-redis pipelines commands issued in the same tick, so one batch is one round trip. An `id`
// makes a retry harmless (the server ignores an id it has seen within dedupe-window). A rejected
// event is reported and skipped. Then each customer's SCORE and CUSTOMER profile are printed.
'use strict';
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { createClient } = require('redis');

function eventArgs(e) {
  const args = ['EVENT', e.customer, e.action];
  for (const [key, word] of [['item', 'ITEM'], ['value', 'VALUE'], ['ts', 'TS'], ['id', 'ID']]) {
    if (e[key] !== undefined && e[key] !== null) args.push(word, String(e[key]));
  }
  return args;
}

// A RESP2 map (flat array key, value, ...) as an object.
function pairs(flat) {
  const out = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

const fmt = (x) => String(Number(x));

async function ingest(client, events, batch = 100) {
  const customers = [];
  for (let start = 0; start < events.length; start += batch) {
    const chunk = events.slice(start, start + batch);
    // allSettled: one bad event must not hide the replies of the others.
    const replies = await Promise.allSettled(chunk.map((e) => client.sendCommand(eventArgs(e))));
    chunk.forEach((e, i) => {
      const label = eventArgs(e).slice(1).join(' ');
      if (replies[i].status === 'rejected') {
        // Printed as redis-py prints it, without the ERR prefix.
        console.log(`rejected ${label}: ${replies[i].reason.message.replace(/^ERR /, '')}`);
        return;
      }
      console.log(`event ${label} -> total ${fmt(replies[i].value)}`);
      if (!customers.includes(e.customer)) customers.push(e.customer);
    });
  }
  return customers;
}

async function show(client, customer) {
  const scores = pairs(await client.sendCommand(['SCORE', customer]));
  console.log(`score ${customer} ` +
              Object.entries(scores).map(([k, v]) => `${k}=${fmt(v)}`).join(' '));
  const profile = pairs(await client.sendCommand(['CUSTOMER', customer]));
  const badges = Object.keys(pairs(profile.badges)).sort();
  const segments = [...profile.segments].sort();
  const pending = profile.pending.map(([t, due]) => `${t}@${due}`);
  console.log(`customer ${customer} badges=${badges.join(',') || '-'} ` +
              `segments=${segments.join(',') || '-'} pending=${pending.join(',') || '-'}`);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '7379' },
      user: { type: 'string' },
      password: { type: 'string' },
    },
  });
  const text = fs.readFileSync(positionals[0] ?? 0, 'utf8');
  const events = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const client = createClient({
    socket: { host: values.host, port: Number(values.port) },
    username: values.user,
    password: values.password,
  });
  client.on('error', (err) => console.error('redis client error', err.message));
  await client.connect();
  try {
    for (const customer of await ingest(client, events)) await show(client, customer);
  } finally {
    await client.quit();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
