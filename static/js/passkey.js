// Tessera's passkey pages (/passkey, /passkeyPrompt): hands the server's WebAuthn options to
// the browser (navigator.credentials.get or .create) and posts the browser's answer back as
// JSON, in the page's own form. Self-contained, served by Tessera; the pages work without it
// for every other way of signing in.
(function () {
  "use strict";

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      var copy = Object.assign({}, c);
      copy.id = fromBase64url(c.id);
      return copy;
    });
  }

  function requestOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromBase64url(json.challenge);
    o.allowCredentials = withIds(json.allowCredentials);
    return o;
  }

  function creationOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromBase64url(json.challenge);
    o.user = Object.assign({}, json.user, { id: fromBase64url(json.user.id) });
    o.excludeCredentials = withIds(json.excludeCredentials);
    return o;
  }

  function credentialJSON(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    };
  }

  var root = document.getElementById("passkey");
  var form = document.getElementById("passkeyForm");
  if (!root || !form) return;
  if (!window.PublicKeyCredential || !navigator.credentials) {
    var unsupported = document.getElementById("passkeyUnsupported");
    if (unsupported) unsupported.hidden = false;
    return;
  }
  root.hidden = false;
  var button = document.getElementById("passkeyButton");
  var status = document.getElementById("passkeyStatus");
  button.addEventListener("click", function () {
    var options = JSON.parse(root.getAttribute("data-options"));
    var create = root.getAttribute("data-mode") === "create";
    button.disabled = true;
    status.hidden = true;
    var asked = create
      ? navigator.credentials.create({ publicKey: creationOptions(options) })
      : navigator.credentials.get({ publicKey: requestOptions(options) });
    asked.then(function (credential) {
      form.elements.credential.value = JSON.stringify(credentialJSON(credential));
      form.submit();
    }, function (error) {
      button.disabled = false;
      status.textContent = root.getAttribute("data-failed") + " (" + error.name + ")";
      status.hidden = false;
    });
  });
})();
