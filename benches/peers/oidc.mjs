// A minimal `oidc-provider` for benches/run.sh: one confidential client with the
// client_credentials grant, JWT access tokens signed RS256 (as Tessera's), in memory.
// Usage: node oidc.mjs PORT   (prints "ready" when listening)
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.argv[2] || 3999);
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "bench", alg: "RS256", use: "sig" };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: "machine",
    client_secret: "machine-secret",
    grant_types: ["client_credentials"],
    redirect_uris: [],
    response_types: [],
    scope: "api/read",
  }],
  jwks: { keys: [jwk] },
  scopes: ["openid", "api/read"],
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => "urn:bench:api",
      getResourceServerInfo: () => ({
        scope: "api/read",
        audience: "urn:bench:api",
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
      useGrantedResource: () => true,
    },
  },
});
provider.listen(port, "127.0.0.1", () => console.log("ready"));
