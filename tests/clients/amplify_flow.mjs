// An app built on Amplify JS v6 (aws-amplify), driven one call at a time by
// tests/clients/amplify_flow.py. Amplify keeps a sign-in in progress (its session, the challenge
// it answers next) in the process's memory, so one process serves the whole suite: each line on
// stdin is a command, each answer one JSON line on stdout.
//
//   in:  {"op": "signIn", "input": {"username": …, "options": {…}}}
//   out: {"ok": true, "result": …, "calls": [...]}
//        {"ok": false, "name": "CodeMismatchException", "message": …, "calls": [...]}
//
// `op` is one of Amplify's own functions (signUp, confirmSignUp, autoSignIn, signIn, confirmSignIn,
// signOut, getCurrentUser, fetchUserAttributes, fetchAuthSession, rememberDevice, fetchDevices,
// forgetDevice), called with `input`. `calls` lists what Amplify sent to Tessera for that command
// and what came back (the action, the names of the AuthParameters or ChallengeResponses, the few
// values that are not secrets, a new device's keys and the device fields of ConfirmDevice and
// UpdateDeviceStatus), so the driver can check the wire as well as Amplify's view of it.
//
// Amplify is configured as an app is, with Tessera as the user pool endpoint; tokens are kept in
// Amplify's in-memory key-value storage (Node has no localStorage).
//
//   TESSERA_URL=… POOL_ID=… CLIENT_ID=… TESSERA_NODE_DIR=target/node-clients \
//     node tests/clients/amplify_flow.mjs
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const base = process.env.TESSERA_NODE_DIR || dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(base), 'package.json'));
const { Amplify } = require('aws-amplify');
const auth = require('aws-amplify/auth');
const { cognitoUserPoolsTokenProvider } = require('aws-amplify/auth/cognito');
const { sharedInMemoryStorage } = require('aws-amplify/utils');

const env = name => {
	const value = process.env[name];
	if (!value) {
		console.error(`amplify_flow.mjs: ${name} is not set`);
		process.exit(2);
	}
	return value;
};

Amplify.configure({
	Auth: {
		Cognito: {
			userPoolId: env('POOL_ID'),
			userPoolClientId: env('CLIENT_ID'),
			userPoolEndpoint: env('TESSERA_URL'),
		},
	},
});
cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);
// Amplify names a new device (ConfirmDevice's DeviceName) after navigator.userAgent, and when that
// throws it skips the device silently. Node has a navigator from version 21 on ("Node.js/21");
// an older Node gets the same, as a browser would have one.
if (typeof globalThis.navigator === 'undefined') {
	globalThis.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
}
// stdout carries the answers only: anything a library logs goes to stderr.
console.log = console.error;

// ---------------------------------------------------------------- what goes over the wire

// Values worth showing; every other parameter is listed by name only (passwords, SRP numbers
// and codes stay out of the log).
const SHOWN = new Set(['PREFERRED_CHALLENGE', 'ANSWER', 'USERNAME', 'DEVICE_KEY']);

const shown = params =>
	params && {
		keys: Object.keys(params).sort(),
		values: Object.fromEntries(Object.entries(params).filter(([k]) => SHOWN.has(k))),
	};

let calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
	const target = new Headers(init.headers).get('x-amz-target') || '';
	let request = {};
	try {
		request = JSON.parse(init.body || '{}');
	} catch {
		// Not a JSON API call: recorded by its action only.
	}
	const call = { action: target.split('.').pop() || String(url) };
	if (request.AuthFlow) call.authFlow = request.AuthFlow;
	if (request.ChallengeName) call.challengeName = request.ChallengeName;
	if (request.AuthParameters) call.authParameters = shown(request.AuthParameters);
	if (request.ChallengeResponses) call.challengeResponses = shown(request.ChallengeResponses);
	if (request.Session !== undefined) call.session = Boolean(request.Session);
	for (const name of ['DeviceKey', 'DeviceName', 'DeviceRememberedStatus']) {
		if (request[name] !== undefined) call[name] = request[name];
	}
	calls.push(call);
	const response = await realFetch(url, init);
	call.status = response.status;
	try {
		const body = await response.clone().json();
		if (body.__type) call.error = String(body.__type).split('#').pop();
		if (body.ChallengeName) call.challenge = body.ChallengeName;
		if (body.ChallengeParameters) call.challengeParameters = Object.keys(body.ChallengeParameters).sort();
		if (body.AvailableChallenges) call.availableChallenges = body.AvailableChallenges;
		if (body.AuthenticationResult) call.tokens = true;
		const device = body.AuthenticationResult?.NewDeviceMetadata;
		if (device) call.newDevice = { DeviceKey: device.DeviceKey, DeviceGroupKey: device.DeviceGroupKey };
		if (body.UserConfirmationNecessary !== undefined) {
			call.UserConfirmationNecessary = body.UserConfirmationNecessary;
		}
		if (body.Session) call.newSession = true;
	} catch {
		// An empty or non-JSON body: the status says enough.
	}
	return response;
};

// ---------------------------------------------------------------- the commands

const jwt = token => (token ? { jwt: token.toString(), payload: token.payload } : null);

const ops = {
	signUp: input => auth.signUp(input),
	confirmSignUp: input => auth.confirmSignUp(input),
	// Read at the call: Amplify replaces autoSignIn once signUp and confirmSignUp have set it up.
	autoSignIn: () => auth.autoSignIn(),
	signIn: input => auth.signIn(input),
	confirmSignIn: input => auth.confirmSignIn(input),
	signOut: input => auth.signOut(input),
	getCurrentUser: () => auth.getCurrentUser(),
	fetchUserAttributes: () => auth.fetchUserAttributes(),
	rememberDevice: () => auth.rememberDevice(),
	fetchDevices: () => auth.fetchDevices(),
	forgetDevice: input => auth.forgetDevice(input),
	fetchAuthSession: async input => {
		const session = await auth.fetchAuthSession(input);
		return {
			userSub: session.userSub ?? null,
			accessToken: jwt(session.tokens?.accessToken),
			idToken: jwt(session.tokens?.idToken),
		};
	},
};

const answer = async line => {
	let command;
	try {
		command = JSON.parse(line);
	} catch {
		return { ok: false, name: 'BadCommand', message: `not JSON: ${line}` };
	}
	const op = ops[command.op];
	if (!op) return { ok: false, name: 'BadCommand', message: `unknown op ${command.op}` };
	try {
		// JSON drops what cannot travel (functions such as totpSetupDetails.getSetupUri).
		return { ok: true, result: JSON.parse(JSON.stringify((await op(command.input)) ?? null)) };
	} catch (error) {
		return {
			ok: false,
			name: (error && error.name) || 'Error',
			message: (error && error.message) || String(error),
		};
	}
};

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
	if (!line.trim()) continue;
	calls = [];
	const reply = await answer(line);
	process.stdout.write(`${JSON.stringify({ ...reply, calls })}\n`);
}
// stdin closed: the driver is done. Amplify's timers would keep Node alive (signUp with
// autoSignIn starts a 3-minute one that its autoSignIn does not clear).
process.exit(0);
