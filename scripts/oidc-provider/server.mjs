// A real OpenID Connect provider (oidc-provider) for the OAuth tests, on a free loopback port.
//
// One confidential client; every sign-in is the one account given on the command line and is
// approved at once (the interaction route logs it in and grants `openid email`), so a test can
// follow the redirects without a browser. PKCE is required. Prints `listening <port>` when
// ready. Usage:
//   node server.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI EMAIL EMAIL_VERIFIED(true|false)

import http from 'node:http';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri, email, emailVerified] = process.argv.slice(2);
const accountId = 'account-1';

// The server listens first, on a port the system picks, and the provider (whose issuer names
// the port) is attached to it afterwards: no other process can take the port in between.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const { port } = server.address();
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'email'],
  pkce: { required: () => true },
  // Like Google: the scope's claims (email, email_verified) ride in the ID token itself.
  conformIdTokenClaims: false,
  cookies: { keys: ['rampart-test-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email, email_verified: emailVerified === 'true' }),
  }),
});

// Approve every interaction: log the account in, then grant what the client asked for.
provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && /^\/interaction\/[^/]+$/.test(ctx.path)) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId } };
    } else {
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope('openid email');
      result = { consent: { grantId: await grant.save() } };
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.status = 303;
    ctx.redirect(to);
    return;
  }
  await next();
});

server.on('request', provider.callback());
console.log(`listening ${port}`);
