// A real OpenID provider for Waymark's single sign-on tests: the `oidc-provider` package (the
// certified Node.js implementation), not a mock. Test-only; never run it for real users.
//
//   node provider.mjs [PORT]
//
// Listens on 127.0.0.1:PORT (0 or nothing: a free port) and prints one line to stdout when it is
// ready, `{"issuer":"http://127.0.0.1:PORT"}`. It exits when its standard input closes, so a
// test process that dies without killing it does not leave it running.
//
// Environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the one client (Waymark), confidential, client_secret_basic
//   OIDC_REDIRECT_URI                   Waymark's callback, e.g. http://127.0.0.1:8080/sign-in/sso/callback
//   OIDC_ACCOUNT_EMAIL                  the email of whoever signs in (default staff@example.gov.uk)
//
// Signing in: the package's development interactions (a login form at /interaction/UID, then a
// consent form), which a test completes with plain HTTP POSTs. Any password is accepted. The
// login typed is the account id (`sub`); its `email` claim is OIDC_ACCOUNT_EMAIL, or the login
// itself if it contains "@", so one provider serves tests of several users. A login of
// `unverified:EMAIL` gives that email with `email_verified: false`. PKCE is required.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const clientId = required('OIDC_CLIENT_ID');
const clientSecret = required('OIDC_CLIENT_SECRET');
const redirectUri = required('OIDC_REDIRECT_URI');
const defaultEmail = process.env.OIDC_ACCOUNT_EMAIL || 'staff@example.gov.uk';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: set ${name}`);
    process.exit(2);
  }
  return value;
}

/** The claims of the account a login names (see the header comment). */
function claimsOf(login) {
  if (login.startsWith('unverified:')) {
    return { email: login.slice('unverified:'.length), email_verified: false };
  }
  return { email: login.includes('@') ? login : defaultEmail, email_verified: true };
}

// A fresh signing key per run, so nothing secret is committed.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  alg: 'RS256',
  use: 'sig',
  kid: randomBytes(8).toString('hex'),
};

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, ...claimsOf(sub) };
        },
      };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // Put the scope's claims (email) in the ID token, as Entra ID, Google and Keycloak do,
    // rather than only at the userinfo endpoint.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    ttl: {
      AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600,
      Session: 3600,
    },
    jwks: { keys: [signingKey] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// Whoever started us may stop reading stdout after the first line: never die of that.
process.stdout.on('error', () => {});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
