// Signs in with amazon-cognito-identity-js through CUSTOM_AUTH, as a browser app with custom
// challenges does: initiateAuth, then each challenge answered in the `customChallenge`
// callback with sendCustomChallengeAnswer. ANSWERS is the comma-separated list of answers to
// give, in order. Run by tests/clients/triggers_flow.py; prints one JSON line and exits 0
// whatever the outcome. With PASSWORD set, the sign-in starts with SRP (authenticateUser:
// SRP_A, PASSWORD_VERIFIER, then the custom challenges), as "SRP then custom challenge" apps do.
// Prints one JSON line:
//   {"ok": true, "questions": [...], "idToken": …}
//   {"ok": false, "questions": [...], "code": "NotAuthorizedException", "message": …}
//
//   TESSERA_URL=… POOL_ID=… CLIENT_ID=… USERNAME=… ANSWERS=41,42 \
//     TESSERA_NODE_DIR=target/node-clients node tests/clients/custom_auth_acij.mjs
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.env.TESSERA_NODE_DIR || dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(base), 'package.json'));
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

const env = name => {
	const value = process.env[name];
	if (!value) {
		console.error(`custom_auth_acij.mjs: ${name} is not set`);
		process.exit(2);
	}
	return value;
};

const questions = [];
const report = result => {
	console.log(JSON.stringify({ ...result, questions }));
	process.exit(0);
};
setTimeout(() => report({ ok: false, code: 'Timeout', message: 'no answer in 30 s' }), 30_000).unref();

const pool = new CognitoUserPool({
	UserPoolId: env('POOL_ID'),
	ClientId: env('CLIENT_ID'),
	endpoint: env('TESSERA_URL'),
});
const user = new CognitoUser({ Username: env('USERNAME'), Pool: pool });
user.setAuthenticationFlowType('CUSTOM_AUTH');
const answers = env('ANSWERS').split(',');

const callbacks = {
	onSuccess: session => report({ ok: true, idToken: session.getIdToken().getJwtToken() }),
	onFailure: err =>
		report({
			ok: false,
			code: (err && (err.code || err.name)) || 'Error',
			message: (err && err.message) || String(err),
		}),
	customChallenge: parameters => {
		questions.push(parameters.question);
		const answer = answers.shift();
		if (answer === undefined) report({ ok: false, code: 'NoMoreAnswers', message: parameters.question });
		user.sendCustomChallengeAnswer(answer, callbacks);
	},
};
if (process.env.PASSWORD) {
	user.authenticateUser(
		new AuthenticationDetails({ Username: env('USERNAME'), Password: process.env.PASSWORD }),
		callbacks
	);
} else {
	user.initiateAuth(new AuthenticationDetails({ Username: env('USERNAME') }), callbacks);
}
