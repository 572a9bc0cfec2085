/**
 * Article pages behind keys. The knowledge base's pages (/kb/articles/…) are a tenant's and, with
 * AITL_AUTH=required, need a key like everything else; but an agent opens a snippet's link in a new tab, where no
 * Authorization header goes. So each suggestion's links to those pages are signed: HMAC-SHA256 over the path, the
 * tenant and an expiry, with AITL_LINK_SECRET.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a signed link opens its article. */
export const ARTICLE_LINK_TTL_SECONDS = 7 * 24 * 3600;
const ARTICLE_PATH = /^\/kb\/articles\//;

function signature(path: string, tenant: string, expires: number, secret: string): string {
  return createHmac('sha256', secret).update(`${path}\n${tenant}\n${expires}`).digest('base64url');
}

/** `url` with `t` (the tenant), `exp` and `sig` added when it points at an article page; any other URL as it is. */
export function signArticleUrl(url: string, tenant: string, secret: string, now: number = Date.now()): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!ARTICLE_PATH.test(parsed.pathname)) return url;
  const expires = Math.floor(now / 1000) + ARTICLE_LINK_TTL_SECONDS;
  parsed.searchParams.set('t', tenant);
  parsed.searchParams.set('exp', String(expires));
  parsed.searchParams.set('sig', signature(parsed.pathname, tenant, expires, secret));
  return parsed.toString();
}

/** The tenant a signed link names when `t`, `exp` and `sig` sign `path` and have not expired; else undefined. */
export function signedArticleTenant(
  path: string,
  query: { t?: string | undefined; exp?: string | undefined; sig?: string | undefined },
  secret: string,
  now: number = Date.now(),
): string | undefined {
  const { t, exp, sig } = query;
  if (!t || !exp || !sig || !/^\d{1,12}$/.test(exp) || Number(exp) * 1000 < now) return undefined;
  const expected = Buffer.from(signature(path, t, Number(exp), secret));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? t : undefined;
}
