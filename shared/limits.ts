/** Size limits shared by the backend (413 / 400) and the extension (what it refuses or trims before sending). */
export const LIMITS = {
  /** Largest request body the backend reads on most routes, in bytes. */
  bodyBytes: 1_000_000,
  /** Messages kept from one ticket; older ones beyond this are dropped by the reader. */
  messages: 200,
  messageChars: 20_000,
  subjectChars: 500,
  /** One annotation, serialised as JSON: larger ones are refused at creation, visibly. */
  annotationBytes: 32_768,
  /** One sync batch: at most this many items and this many bytes of JSON body. */
  batchItems: 100,
  batchBytes: 262_144,
  /** Page size of GET /v1/annotations. */
  pageSize: 500,
} as const;
