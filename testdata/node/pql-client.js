// pql-client.js: Apollo Client with persisted query lists
// (@apollo/persisted-query-lists), as a partner app runs it.
//
//   node pql-client.js manifest OUT.json
//     writes the manifest of the operations below the way
//     @apollo/generate-persisted-query-manifest does (body: graphql-js print
//     of the document with its definitions sorted by the library's own
//     sortTopLevelDefinitions; id: SHA-256 hex of the body; Apollo's
//     manifest format, version 1).
//   node pql-client.js run URL MANIFEST TOKEN
//     runs the listed operations against the hub at URL with the bearer
//     TOKEN through createPersistedQueryLink(generatePersistedQueryIdsFromManifest)
//     (hashes over GET, as a CDN sees them) behind
//     createPersistedQueryManifestVerificationLink, then an operation the
//     manifest lacks through the ordinary APQ ids
//     (generatePersistedQueryIdsAtRuntime), and prints every HTTP exchange as
//     a JSON line: {step, method, hashOnly, id, status, code, data}.
//
// Used by the root test TestTrustedDocumentsWithApolloClient.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const { print } = require('graphql');
const { ApolloClient, InMemoryCache, HttpLink, gql } = require('@apollo/client/core');
const { createPersistedQueryLink } = require('@apollo/client/link/persisted-queries');
const {
  generatePersistedQueryIdsFromManifest,
  generatePersistedQueryIdsAtRuntime,
  createPersistedQueryManifestVerificationLink,
  sortTopLevelDefinitions,
} = require('@apollo/persisted-query-lists');

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

// The partner app's operations (addTypename is off: the manifest holds
// exactly what the app sends).
const listed = {
  Topics: gql`query Topics { topics { slug count } }`,
  Brief: gql`
    query Brief($slug: String!) { resource(slug: $slug) { title ...Kind } }
    fragment Kind on Resource { kind }
  `,
};
const unlisted = gql`query Unlisted { topics { name } }`;

function manifest() {
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: Object.entries(listed).map(([name, doc]) => {
      const body = print(sortTopLevelDefinitions(doc));
      return { id: sha256(body), name, type: 'query', body };
    }),
  };
}

async function run(url, manifestPath, token) {
  const log = [];
  let step = '';
  async function loggingFetch(input, init) {
    const u = new URL(typeof input === 'string' ? input : input.url);
    const method = (init && init.method) || 'GET';
    const body = init && init.body ? JSON.parse(init.body) : null;
    const hasQuery = method === 'GET' ? u.searchParams.has('query') : !!(body && body.query);
    const ext = method === 'GET' ? JSON.parse(u.searchParams.get('extensions') || '{}') : (body && body.extensions) || {};
    const res = await fetch(input, init);
    const text = await res.clone().text();
    let code = null, data = null;
    try {
      const j = JSON.parse(text);
      code = j.errors && j.errors[0] && j.errors[0].extensions ? j.errors[0].extensions.code : null;
      data = j.data || null;
    } catch (e) { /* not JSON */ }
    const id = ext.persistedQuery ? ext.persistedQuery.sha256Hash : null;
    log.push({ step, method, hashOnly: !hasQuery, id, status: res.status, code, data });
    return res;
  }
  const http = new HttpLink({ uri: url, fetch: loggingFetch, headers: { Authorization: 'Bearer ' + token } });
  const loadManifest = () => JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const failures = [];
  const verify = createPersistedQueryManifestVerificationLink({
    loadManifest,
    onVerificationFailed: (d) => failures.push(d.reason + ' ' + d.operation.operationName),
  });
  const pql = new ApolloClient({
    link: verify.concat(createPersistedQueryLink({ ...generatePersistedQueryIdsFromManifest({ loadManifest }), useGETForHashedQueries: true })).concat(http),
    cache: new InMemoryCache({ addTypename: false }),
  });
  step = 'listed Topics';
  await pql.query({ query: listed.Topics, fetchPolicy: 'network-only' });
  step = 'listed Brief';
  await pql.query({ query: listed.Brief, variables: { slug: 'barriers-brief' }, fetchPolicy: 'network-only' });

  // An operation the manifest lacks, sent by Apollo's ordinary APQ ids: the
  // link sends the hash, is told PERSISTED_QUERY_NOT_FOUND, retries with the
  // text and is refused.
  const apq = new ApolloClient({
    link: createPersistedQueryLink({ ...generatePersistedQueryIdsAtRuntime({ sha256 }), useGETForHashedQueries: true }).concat(http),
    cache: new InMemoryCache({ addTypename: false }),
  });
  step = 'unlisted';
  let refused = null;
  try {
    await apq.query({ query: unlisted, fetchPolicy: 'network-only' });
  } catch (e) {
    refused = e.graphQLErrors && e.graphQLErrors[0] && e.graphQLErrors[0].extensions ? e.graphQLErrors[0].extensions.code : String(e);
  }
  for (const l of log) process.stdout.write(JSON.stringify(l) + '\n');
  process.stdout.write(JSON.stringify({ step: 'result', refused, verificationFailures: failures }) + '\n');
}

const [cmd, ...args] = process.argv.slice(2);
(async () => {
  if (cmd === 'manifest') {
    fs.writeFileSync(args[0], JSON.stringify(manifest(), null, 2) + '\n');
  } else if (cmd === 'run') {
    await run(args[0], args[1], args[2]);
  } else {
    throw new Error('usage: pql-client.js manifest OUT.json | run URL MANIFEST TOKEN');
  }
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
