// An upstream OpenID Provider for the federation tests (tests/clients/federation_flow.py): the
// npm package oidc-provider (tests/clients/package.json) with a tiny login page of its own, on
// plain http://127.0.0.1. It plays both upstreams Tessera federates with: an OIDC provider
// (discovery at /.well-known/openid-configuration) and a stand-in for Facebook (authorize at
// /auth, token at /token, the user endpoint at /me answering `id`).
//
//   OP_PORT=4010 OP_CONFIG=/tmp/op.json TESSERA_NODE_DIR=target/node-clients node tests/idp/op.mjs
//   node tests/idp/op.mjs --port 4010 --config /tmp/op.json [--issuer http://127.0.0.1:4010]
//
// The issuer defaults to http://127.0.0.1:<port>. The config file (JSON):
//   { "clients": [{ "client_id", "client_secret", "redirect_uris": [...],
//                   "token_endpoint_auth_method": "client_secret_basic" | "client_secret_post" }],
//     "accounts": "accounts.json" }         // a path, relative to the config file
// The accounts file, `{ "<login>": { "email", "email_verified", "given_name", ... } }`, is read
// again on every account look-up, so a test changes an upstream attribute by rewriting it. The
// subject (`sub`) and Facebook's `id` are the login name. A login that is not in the file signs
// in with `sub` and `id` only.
//
// The login page takes any login and any password and never asks for consent: every scope the
// client requests is granted. Its "Cancel" button, or the login name `deny`, ends the request
// with error=access_denied, as a user refusing at the upstream does. Prints `ready` on stdout
// once it listens.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const nodeDir = resolve(process.env.TESSERA_NODE_DIR || join(here, '..', 'clients'));
// oidc-provider is an ES module installed in TESSERA_NODE_DIR, not beside this script: resolve
// its entry point from there and import it by file URL.
const requireFromNodeDir = createRequire(join(nodeDir, 'package.json'));
const { default: Provider, errors } = await import(pathToFileURL(requireFromNodeDir.resolve('oidc-provider')).href);

const { values: args } = parseArgs({
	options: { port: { type: 'string' }, issuer: { type: 'string' }, config: { type: 'string' } },
});
const port = Number(args.port || process.env.OP_PORT);
const configPath = args.config || process.env.OP_CONFIG;
if (!port || !configPath) {
	console.error('op.mjs: give --port (or OP_PORT) and --config (or OP_CONFIG)');
	process.exit(2);
}
const issuer = args.issuer || process.env.OP_ISSUER || `http://127.0.0.1:${port}`;
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const accountsPath = resolve(dirname(configPath), config.accounts || 'accounts.json');

/** The login that the upstream refuses: signing in with it answers error=access_denied. */
const DENIED_LOGIN = 'deny';

/** Reads the accounts file now: the test may have rewritten it since the last sign-in. */
function accountClaims(login) {
	const accounts = JSON.parse(readFileSync(accountsPath, 'utf8'));
	const claims = accounts[login] || {};
	return { ...claims, sub: login, id: login };
}

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
	clients: config.clients.map((client) => ({
		grant_types: ['authorization_code'],
		response_types: ['code'],
		...client,
	})),
	jwks: { keys: [{ ...signingKey, kid: 'op-test-key', use: 'sig', alg: 'RS256' }] },
	cookies: { keys: [randomBytes(32).toString('base64url')] },
	claims: {
		openid: ['sub'],
		email: ['email', 'email_verified'],
		profile: ['name', 'given_name', 'family_name'],
		// Facebook's scope: its user endpoint answers `id` (the subject) and the profile.
		public_profile: ['id', 'name', 'given_name', 'family_name', 'email'],
	},
	// The scope claims go into the ID token as well as the user endpoint, as Google does.
	conformIdTokenClaims: false,
	features: { devInteractions: { enabled: false } },
	interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
	async findAccount(ctx, login) {
		return { accountId: login, claims: async () => accountClaims(login) };
	},
	// No consent screen: the session's grant (a new one on first use) gets every scope requested.
	async loadExistingGrant(ctx) {
		const { Grant } = ctx.oidc.provider;
		const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
		const grant = (grantId && await Grant.find(grantId))
			|| new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.account.accountId });
		grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
		await grant.save();
		return grant;
	},
	async renderError(ctx, out) {
		ctx.type = 'html';
		ctx.body = page('Error', `<p id="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
	},
});
const providerHandler = provider.callback();

function escape(text) {
	return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
		+ `<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function send(res, status, html) {
	res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
	res.end(html);
}

async function formBody(req) {
	const chunks = [];
	for await (const chunk of req) chunks.push(chunk);
	return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** GET /interaction/<uid>: the login form; POST: sign in, or refuse with access_denied. */
async function interaction(req, res, uid) {
	const details = await provider.interactionDetails(req, res);
	if (details.uid !== uid) {
		return send(res, 400, page('Error', '<p>This sign-in request is not the one under way.</p>'));
	}
	if (req.method === 'GET') {
		const action = `/interaction/${escape(uid)}`;
		return send(res, 200, page('Local OP sign-in', `
<p>Signing in to <code id="client">${escape(details.params.client_id)}</code>.</p>
<form method="post" action="${action}">
  <label>Login <input id="login" name="login" required autofocus></label>
  <label>Password <input id="password" name="password" type="password" required></label>
  <button id="submit" type="submit" name="action" value="login">Sign in</button>
  <button id="cancel" type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>`));
	}
	const form = await formBody(req);
	const login = (form.get('login') || '').trim();
	if (form.get('action') === 'cancel' || login === DENIED_LOGIN) {
		return provider.interactionFinished(req, res, {
			error: 'access_denied', error_description: 'The user refused to sign in',
		}, { mergeWithLastSubmission: false });
	}
	if (!login) {
		return send(res, 400, page('Error', '<p>No login given.</p>'));
	}
	return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
}

/** Facebook takes comma-separated scopes (`openid,public_profile,email`); oidc-provider only
 * spaces. The authorization endpoint accepts both, as Facebook does. */
function normaliseScope(req) {
	const url = new URL(req.url, issuer);
	if (url.pathname === '/auth' && url.searchParams.get('scope')?.includes(',')) {
		url.searchParams.set('scope', url.searchParams.get('scope').split(/[ ,]+/).filter(Boolean).join(' '));
		req.url = url.pathname + url.search;
	}
}

const server = createServer((req, res) => {
	const match = /^\/interaction\/([^/?]+)$/.exec(req.url.split('?')[0]);
	if (!match) {
		normaliseScope(req);
		return providerHandler(req, res);
	}
	interaction(req, res, match[1]).catch((error) => {
		const known = error instanceof errors.OIDCProviderError;
		if (!known) console.error(error);
		send(res, known ? error.statusCode : 500, page('Error', `<p id="error">${escape(error.message)}</p>`));
	});
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
