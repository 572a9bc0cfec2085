/** Size limits shared by the backend (413 / 400) and the extension (what it trims before sending). */
export const LIMITS = {
  /** Largest request body the backend reads, in bytes. */
  bodyBytes: 1_000_000,
  /** Messages kept from one ticket; older ones beyond this are dropped by the reader. */
  messages: 200,
  messageChars: 20_000,
  subjectChars: 500,
  /** Annotations in one sync batch. */
  batchSize: 500,
} as const;
