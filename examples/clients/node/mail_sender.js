#!/usr/bin/env node
// Mail sender with node-redis: consume kizuna's outbox stream as one consumer of a group.
// The Node twin of ../python/mail_sender.py: same flags, same output.
//
//   node mail_sender.js --port 7379 --group mailers --consumer sender-1
//
// XREADGROUP hands each outbox entry to one consumer of the group, XACK marks it done. A sender
// that crashes leaves its entries pending; the others take them over with XAUTOCLAIM once idle
// for --claim-idle ms. Stops after --max messages or --idle-exit seconds without any;
// --crash-after K reads K entries and exits without acknowledging them.
'use strict';
const { parseArgs } = require('node:util');
const { createClient } = require('redis');

const STREAM = 'outbox';

// Stands in for the mail/LINE/push call; it must be idempotent, since an entry can be
// delivered again if the sender crashes between sending and XACK.
function deliver(id, f) {
  console.log(`sent ${f.message} to ${f.customer} (${f.type} ${f.name}, late ${f.late}, id ${id})`);
}

async function main() {
  const { values: o } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '7379' },
      user: { type: 'string' },
      password: { type: 'string' },
      group: { type: 'string', default: 'mailers' },
      consumer: { type: 'string', default: 'sender-1' },
      'claim-idle': { type: 'string', default: '60000' },
      max: { type: 'string', default: '0' },
      'idle-exit': { type: 'string', default: '0' },
      'crash-after': { type: 'string', default: '0' },
    },
  });
  const max = Number(o.max), idleExit = Number(o['idle-exit']) * 1000;
  const crashAfter = Number(o['crash-after']), claimIdle = Number(o['claim-idle']);
  const client = createClient({
    socket: { host: o.host, port: Number(o.port) },
    username: o.user,
    password: o.password,
  });
  client.on('error', (err) => console.error('redis client error', err.message));
  await client.connect();
  try {
    // "0": a new group starts with everything still in the outbox.
    await client.xGroupCreate(STREAM, o.group, '0');
  } catch (err) {
    if (!String(err.message).includes('BUSYGROUP')) throw err;
  }

  let handled = 0, lastWork = Date.now();
  while (!max || handled < max) {
    // Take no more than is left to do: what is read but not acked stays pending.
    const batch = crashAfter || Math.min(10, max ? max - handled : 10);
    // First entries a crashed consumer left pending, then new ones.
    const claim = await client.xAutoClaim(STREAM, o.group, o.consumer, claimIdle, '0-0',
                                          { COUNT: batch });
    let entries = claim.messages.filter((m) => m).map((m) => ({ ...m, how: 'claimed' }));
    if (!entries.length) {
      const reply = await client.xReadGroup(o.group, o.consumer, { key: STREAM, id: '>' },
                                            { COUNT: batch, BLOCK: 200 });
      entries = (reply ?? []).flatMap((s) => s.messages.map((m) => ({ ...m, how: 'new' })));
    }
    if (!entries.length) {
      if (idleExit && Date.now() - lastWork > idleExit) break;
      continue;
    }
    lastWork = Date.now();
    if (crashAfter) {
      console.log(`crashed holding ${entries.length} entries`);
      await client.disconnect();
      return;
    }
    for (const { id, message, how } of entries) {
      if (how === 'claimed') console.log(`claimed ${id}`);
      deliver(id, message);
      await client.xAck(STREAM, o.group, id);
      handled++;
    }
  }
  console.log(`done: ${handled} messages`);
  await client.quit();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
