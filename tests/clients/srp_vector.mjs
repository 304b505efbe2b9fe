// Computes an SRP PASSWORD_VERIFIER answer with amazon-cognito-identity-js's own
// AuthenticationHelper, for the fixed vector pinned in src/crypto/srp/tests.rs.
//
//   (the inputs are the VECTOR_* constants, POOL, USER, PASSWORD, BLOCK and TIMESTAMP there)
//   env POOL_NAME=… USERNAME=… PASSWORD=… SALT=… SRP_B=… SMALL_A=… SECRET_BLOCK=… TIMESTAMP=… \
//     TESSERA_NODE_DIR=target/node-clients node tests/clients/srp_vector.mjs
//
// Prints JSON: SRP_A as acij sends it (toString(16)), k, and PASSWORD_CLAIM_SIGNATURE computed
// the way CognitoUser.js does (HMAC-SHA256 keyed by the HKDF output, base64).
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const base = process.env.TESSERA_NODE_DIR || dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(base), 'package.json'));
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger.js').default;

const env = name => {
	const value = process.env[name];
	if (value === undefined) {
		console.error(`srp_vector.mjs: ${name} is not set`);
		process.exit(2);
	}
	return value;
};

const helper = new AuthenticationHelper(env('POOL_NAME'));
helper.smallAValue = new BigInteger(env('SMALL_A'), 16);
helper.largeAValue = undefined;
helper.getLargeAValue((err, largeA) => {
	if (err) throw err;
	helper.getPasswordAuthenticationKey(
		env('USERNAME'),
		env('PASSWORD'),
		new BigInteger(env('SRP_B'), 16),
		new BigInteger(env('SALT'), 16),
		(err2, hkdf) => {
			if (err2) throw err2;
			const message = Buffer.concat([
				Buffer.from(env('POOL_NAME'), 'utf8'),
				Buffer.from(env('USERNAME'), 'utf8'),
				Buffer.from(env('SECRET_BLOCK'), 'base64'),
				Buffer.from(env('TIMESTAMP'), 'utf8'),
			]);
			const signature = createHmac('sha256', hkdf).update(message).digest('base64');
			console.log(
				JSON.stringify(
					{
						SRP_A: largeA.toString(16),
						k: helper.k.toString(16),
						PASSWORD_CLAIM_SIGNATURE: signature,
					},
					null,
					2
				)
			);
		}
	);
});
