// An app built on amazon-cognito-identity-js with device tracking, driven one call at a time by
// tests/clients/devices_flow.py. acij keeps what a browser keeps in localStorage (tokens, the
// device key, its group key and its random password) in the pool's Storage: here one in-memory
// store for the whole process, so a new CognitoUser finds the device an earlier sign-in
// confirmed, as a reloaded page does. Each line on stdin is a command, each answer one JSON line
// on stdout:
//
//   in:  {"op": "signIn", "input": {"username": …, "password": …}}
//   out: {"ok": true, "result": …, "calls": [...]}
//        {"ok": false, "name": "NotAuthorizedException", "message": …, "calls": [...]}
//
// Commands (acij's own methods; `user` is the CognitoUser that last signed in):
//   signIn {username, password}   new CognitoUser, authenticateUser (USER_SRP_AUTH); the
//                                 result is signed in, or the challenge acij stopped at
//   sendMFACode {code}            the code for that challenge (sendMFACode, SMS_MFA)
//   setDeviceStatusRemembered, getDevice, listDevices {limit}, forgetDevice, refreshSession
//   stored                        what acij keeps about the last user's device
//   setStored {name, value}       overwrites one of those items (to test a wrong device secret)
//
// `calls` lists what acij sent to Tessera for the command and what came back: the action, the
// names of the AuthParameters or ChallengeResponses, the few values that are not secrets
// (USERNAME, DEVICE_KEY, the device fields of ConfirmDevice and UpdateDeviceStatus).
//
//   TESSERA_URL=… POOL_ID=… CLIENT_ID=… TESSERA_NODE_DIR=target/node-clients \
//     node tests/clients/devices_acij.mjs
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const base = process.env.TESSERA_NODE_DIR || dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(base), 'package.json'));
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

const env = name => {
	const value = process.env[name];
	if (!value) {
		console.error(`devices_acij.mjs: ${name} is not set`);
		process.exit(2);
	}
	return value;
};

// localStorage's interface over a Map: what acij keeps lives as long as the process.
const items = new Map();
const storage = {
	setItem: (key, value) => items.set(key, String(value)),
	getItem: key => (items.has(key) ? items.get(key) : null),
	removeItem: key => items.delete(key),
	clear: () => items.clear(),
};

const pool = new CognitoUserPool({
	UserPoolId: env('POOL_ID'),
	ClientId: env('CLIENT_ID'),
	endpoint: env('TESSERA_URL'),
	Storage: storage,
});
// stdout carries the answers only.
console.log = console.error;

// ---------------------------------------------------------------- what goes over the wire

const SHOWN = new Set(['USERNAME', 'DEVICE_KEY']);
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
	for (const name of ['DeviceKey', 'DeviceName', 'DeviceRememberedStatus']) {
		if (request[name] !== undefined) call[name] = request[name];
	}
	if (request.DeviceSecretVerifierConfig) {
		call.DeviceSecretVerifierConfig = Object.keys(request.DeviceSecretVerifierConfig).sort();
	}
	calls.push(call);
	const response = await realFetch(url, init);
	call.status = response.status;
	try {
		const body = await response.clone().json();
		if (body.__type) call.error = String(body.__type).split('#').pop();
		if (body.ChallengeName) call.challenge = body.ChallengeName;
		if (body.ChallengeParameters) call.challengeParameters = Object.keys(body.ChallengeParameters).sort();
		if (body.AuthenticationResult) {
			call.tokens = true;
			const device = body.AuthenticationResult.NewDeviceMetadata;
			if (device) call.newDevice = { DeviceKey: device.DeviceKey, DeviceGroupKey: device.DeviceGroupKey };
		}
		if (body.UserConfirmationNecessary !== undefined) {
			call.UserConfirmationNecessary = body.UserConfirmationNecessary;
		}
	} catch {
		// An empty or non-JSON body: the status says enough.
	}
	return response;
};

// ---------------------------------------------------------------- the commands

let user = null; // the CognitoUser that last signed in
let pending = null; // the CognitoUser of a sign-in waiting for a code

const payload = token => token.decodePayload();

const sessionOf = session => ({
	accessToken: session.getAccessToken().getJwtToken(),
	access: payload(session.getAccessToken()),
	id: payload(session.getIdToken()),
	refreshToken: session.getRefreshToken().getToken(),
});

// authenticateUser's and sendMFACode's callbacks, as a promise: signed in, or the challenge
// acij stopped at.
const signInCallbacks = (cognitoUser, resolve, reject) => {
	const challenge = name => parameters => {
		pending = cognitoUser;
		resolve({ signedIn: false, challenge: name, parameters: parameters ?? null });
	};
	return {
		onSuccess: (session, userConfirmationNecessary) => {
			user = cognitoUser;
			pending = null;
			resolve({
				signedIn: true,
				userConfirmationNecessary: userConfirmationNecessary ?? null,
				deviceKey: cognitoUser.deviceKey ?? null,
				...sessionOf(session),
			});
		},
		onFailure: reject,
		mfaRequired: (name, parameters) => challenge(name)(parameters),
		totpRequired: (name, parameters) => challenge(name)(parameters),
		selectMFAType: (name, parameters) => challenge(name)(parameters),
		mfaSetup: (name, parameters) => challenge(name)(parameters),
		customChallenge: challenge('CUSTOM_CHALLENGE'),
		newPasswordRequired: () => challenge('NEW_PASSWORD_REQUIRED')(null),
	};
};

const signedInUser = () => {
	if (!user) throw Object.assign(new Error('no user has signed in'), { name: 'NoUser' });
	return user;
};

// acij's { onSuccess, onFailure } methods, as a promise.
const withCallbacks = start =>
	new Promise((resolve, reject) => start({ onSuccess: resolve, onFailure: reject }));

const storedKey = name => {
	const username = storage.getItem(`CognitoIdentityServiceProvider.${pool.getClientId()}.LastAuthUser`);
	return `CognitoIdentityServiceProvider.${pool.getClientId()}.${username}.${name}`;
};

const ops = {
	signIn: ({ username, password }) =>
		new Promise((resolve, reject) => {
			const cognitoUser = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
			const details = new AuthenticationDetails({ Username: username, Password: password });
			cognitoUser.authenticateUser(details, signInCallbacks(cognitoUser, resolve, reject));
		}),
	sendMFACode: ({ code }) =>
		new Promise((resolve, reject) => {
			if (!pending) throw Object.assign(new Error('no sign-in waits for a code'), { name: 'NoChallenge' });
			pending.sendMFACode(code, signInCallbacks(pending, resolve, reject));
		}),
	setDeviceStatusRemembered: () => withCallbacks(cb => signedInUser().setDeviceStatusRemembered(cb)),
	getDevice: () => withCallbacks(cb => signedInUser().getDevice(cb)),
	listDevices: ({ limit }) => withCallbacks(cb => signedInUser().listDevices(limit, null, cb)),
	forgetDevice: () => withCallbacks(cb => signedInUser().forgetDevice(cb)),
	refreshSession: () =>
		new Promise((resolve, reject) => {
			const current = signedInUser();
			current.refreshSession(current.getSignInUserSession().getRefreshToken(), (err, session) =>
				err ? reject(err) : resolve(sessionOf(session))
			);
		}),
	stored: () => ({
		deviceKey: storage.getItem(storedKey('deviceKey')),
		deviceGroupKey: storage.getItem(storedKey('deviceGroupKey')),
		hasRandomPassword: Boolean(storage.getItem(storedKey('randomPasswordKey'))),
	}),
	setStored: ({ name, value }) => {
		const previous = storage.getItem(storedKey(name));
		storage.setItem(storedKey(name), value);
		return { previous };
	},
};

// An exception thrown inside one of acij's callbacks (not passed to onFailure) fails the
// command in progress instead of leaving it unanswered.
let failCurrent = null;
process.on('uncaughtException', error => {
	console.error('devices_acij.mjs: uncaught', error);
	if (failCurrent) failCurrent(error);
});

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
		const uncaught = new Promise((_, reject) => {
			failCurrent = reject;
		});
		const result = await Promise.race([op(command.input ?? {}), uncaught]);
		return { ok: true, result: JSON.parse(JSON.stringify(result ?? null)) };
	} catch (error) {
		return {
			ok: false,
			name: (error && (error.code || error.name)) || 'Error',
			message: (error && error.message) || String(error),
		};
	} finally {
		failCurrent = null;
	}
};

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
	if (!line.trim()) continue;
	calls = [];
	const reply = await answer(line);
	process.stdout.write(`${JSON.stringify({ ...reply, calls })}\n`);
}
