// Signs in with amazon-cognito-identity-js (USER_SRP_AUTH, its default flow) against the
// endpoint in TESSERA_URL, exactly as a browser app would apart from the `endpoint` option.
// Run by tests/clients/issue3_flow.py; it prints one JSON line and exits 0 whatever the
// outcome, so the Python side makes the checks:
//   {"ok": true, "idToken": …, "accessToken": …, "refreshToken": …}
//   {"ok": false, "code": "NotAuthorizedException", "message": "Incorrect username or password."}
//
//   TESSERA_URL=http://127.0.0.1:9339 POOL_ID=local_AbC123xyz CLIENT_ID=… USERNAME=… PASSWORD=… \
//     TESSERA_NODE_DIR=target/node-clients node tests/clients/srp_acij.mjs
//
// TESSERA_NODE_DIR is where `npm ci` put node_modules (default: this file's directory).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.env.TESSERA_NODE_DIR || dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(base), 'package.json'));
const {
	AuthenticationDetails,
	CognitoUser,
	CognitoUserPool,
} = require('amazon-cognito-identity-js');

const report = result => {
	console.log(JSON.stringify(result));
	process.exit(0);
};

const env = name => {
	const value = process.env[name];
	if (!value) {
		console.error(`srp_acij.mjs: ${name} is not set`);
		process.exit(2);
	}
	return value;
};

const pool = new CognitoUserPool({
	UserPoolId: env('POOL_ID'),
	ClientId: env('CLIENT_ID'),
	endpoint: env('TESSERA_URL'),
});
const user = new CognitoUser({ Username: env('USERNAME'), Pool: pool });
const details = new AuthenticationDetails({
	Username: env('USERNAME'),
	Password: env('PASSWORD'),
});

const unexpected = name => () =>
	report({ ok: false, code: 'UnexpectedChallenge', message: name });

setTimeout(
	() => report({ ok: false, code: 'Timeout', message: 'no answer in 30 s' }),
	30_000
).unref();

user.authenticateUser(details, {
	onSuccess: session =>
		report({
			ok: true,
			flow: user.authenticationFlowType,
			idToken: session.getIdToken().getJwtToken(),
			accessToken: session.getAccessToken().getJwtToken(),
			refreshToken: session.getRefreshToken().getToken(),
		}),
	onFailure: err =>
		report({
			ok: false,
			code: (err && (err.code || err.name)) || 'Error',
			message: (err && err.message) || String(err),
		}),
	newPasswordRequired: unexpected('NEW_PASSWORD_REQUIRED'),
	mfaRequired: unexpected('SMS_MFA'),
	totpRequired: unexpected('SOFTWARE_TOKEN_MFA'),
	customChallenge: unexpected('CUSTOM_CHALLENGE'),
	mfaSetup: unexpected('MFA_SETUP'),
	selectMFAType: unexpected('SELECT_MFA_TYPE'),
});
