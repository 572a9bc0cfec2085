/** Contracts both the extension and the backend import. No I/O here. */
export * from './annotations.ts';
export * from './auth.ts';
export * from './errors.ts';
export * from './exports.ts';
export * from './gaps.ts';
export * from './health.ts';
export * from './host-config.ts';
export * from './ids.ts';
export * from './limits.ts';
export * from './managed-settings.ts';
export * from './messages.ts';
export * from './redact.ts';
export * from './similarity.ts';
export * from './suggestion.ts';
export * from './sync.ts';
export * from './ticket.ts';
export * from './version.ts';
