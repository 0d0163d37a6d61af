// apq-client.js URL: runs one query twice through Apollo Client with its
// persisted-queries link (useGETForHashedQueries, so hashes travel over
// GET as a CDN would see them) against the hub at URL, and prints every
// HTTP exchange as JSON lines: {method, hashOnly, status, code, data}.
// Used by the root test TestPersistedQueriesWithApolloClient.
'use strict';
const crypto = require('crypto');
const { ApolloClient, InMemoryCache, HttpLink, gql } = require('@apollo/client/core');
const { createPersistedQueryLink } = require('@apollo/client/link/persisted-queries');

const url = process.argv[2];
const log = [];
async function loggingFetch(input, init) {
  const u = new URL(typeof input === 'string' ? input : input.url);
  const method = (init && init.method) || 'GET';
  const body = init && init.body ? JSON.parse(init.body) : null;
  const hasQuery = method === 'GET' ? u.searchParams.has('query') : !!(body && body.query);
  const res = await fetch(input, init);
  const text = await res.clone().text();
  let code = null, data = null;
  try {
    const j = JSON.parse(text);
    code = j.errors && j.errors[0] && j.errors[0].extensions ? j.errors[0].extensions.code : null;
    data = j.data || null;
  } catch (e) { /* not JSON */ }
  log.push({ method, hashOnly: !hasQuery, status: res.status, code, data });
  return res;
}

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(new HttpLink({ uri: url, fetch: loggingFetch }));
const client = new ApolloClient({ link, cache: new InMemoryCache() });
const query = gql`query Topics { topics { slug count } }`;

(async () => {
  for (let i = 0; i < 2; i++) {
    await client.query({ query, fetchPolicy: 'network-only' });
  }
  for (const l of log) process.stdout.write(JSON.stringify(l) + '\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
