/**
 * The extension's stable id. Chrome and Edge derive an extension's id from the public key in the manifest's `key`:
 * the first 32 hex digits of SHA-256 over the key's DER bytes (SubjectPublicKeyInfo), each digit 0-f written as a
 * letter a-p. Policies name the extension by that id (`3rdparty.extensions.<id>`, `ExtensionSettings`), so it must not
 * change between builds. Only the public half is in the repository; see docs/admin.md ("Extension id") for how the
 * Web Store's key and a self-hosted CRX's signing key relate to it.
 *
 *   npm run extension:id                              # the id of this build's key
 *   AITL_EXTENSION_KEY=<base64 DER> npm run package   # builds with your organisation's key instead
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

/** Base64 of the DER-encoded RSA public key (SubjectPublicKeyInfo). */
export const MANIFEST_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApMVmCvByyLbhDArqvjndhihr5XXAOAfmlauDLcuO1ALW5lAFneW27qPN8A4MhqU4Hceozbxm/gMUW2aVl8mO1eGkSOcHyPO4EVAsSmNrDFa03aP2rnommaJ1Nm0YYo+u8MhtqvUEDxmWF7w0xIoh2xdeEdV9BQnu9C+YIon6CVQEGwi7ZoX/ibqs3TDr4aSP0Ne07X5kTWfvsEfGhJvo78uRwDMtxHsjjHv9e0c9dyyG1IiW5Ogr/6DWdaWFMpWrj6FLALtus7ef3r8GRq0vL+afPCFVd9rvsWLT3js+vvTLjKZOsnUKhyzXWNveaBvn1ASx82uHBOCqroLbYYDh4wIDAQAB';

export { EXTENSION_ID, GECKO_ID } from '../shared/extension-id.ts';

/** The key a build uses: AITL_EXTENSION_KEY when set (an organisation's own key), else the repository's. */
export function manifestKey(env: Record<string, string | undefined> = process.env): string {
  return env.AITL_EXTENSION_KEY?.trim() || MANIFEST_PUBLIC_KEY;
}

/** Chrome's extension id for a base64 DER public key. */
export function extensionIdFromKey(base64Der: string): string {
  const hex = createHash('sha256').update(Buffer.from(base64Der, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(extensionIdFromKey(manifestKey()));
}
