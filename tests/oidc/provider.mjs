// A real OpenID Connect provider for RingScope's sign-in tests: panva's oidc-provider
// (OpenID Certified), on 127.0.0.1, with the people and groups the test gives it.
//
//   node provider.mjs PEOPLE_JSON
//
// PEOPLE_JSON: {"client": {"client_id", "client_secret", "redirect_uri", "app_url"},
//               "people": {"<login>": {"email", "name", "groups": [...]}}}
// Prints one line {"issuer": "http://127.0.0.1:PORT"} once it listens (PORT chosen by the
// system), and serves until it is terminated. The login page is the library's own
// development interaction (any password); consent is granted on sign-in for this one
// first-party client, as a company provider does for its own apps.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const { client, people } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const scopes = ['openid', 'email', 'profile', 'groups'];
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-key' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: [client.redirect_uri],
      post_logout_redirect_uris: [client.app_url],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // The claims of the scopes asked for go into the ID token too: Streamlit's st.user
    // reads the ID token, not the userinfo endpoint.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, login) {
      const person = people[login];
      if (!person) return undefined;
      return {
        accountId: login,
        async claims() {
          return { sub: login, email: person.email, email_verified: true, name: person.name,
                   preferred_username: login, groups: person.groups };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(scopes.join(' '));
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
