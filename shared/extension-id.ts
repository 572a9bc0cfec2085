/**
 * The extension's published ids. Chrome and Edge derive the id from the public key in the manifest (see
 * extension/manifest-key.ts); the backend trusts calls from `chrome-extension://<EXTENSION_ID>` by default.
 */

/** The id Chrome and Edge give the extension built with the repository's manifest key. */
export const EXTENSION_ID = 'mimldbgokakkcdedcmobpimfjboikkee';

/** Firefox's add-on id (`browser_specific_settings.gecko.id`); Firefox policies name the extension by it. */
export const GECKO_ID = 'aitl@aitl.example';
