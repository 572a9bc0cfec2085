/**
 * The analyst console's files as backend/routes/analyst.ts serves them: every script and module the page loads is
 * served (a module missing from the route's table is a blank page), the page stays within its strict CSP (no inline
 * script or style, no eval in the charting library), and the page's code never parses strings as HTML.
 */
import { describe, expect, it } from 'vitest';
import { analystRoutes } from '../../../backend/routes/analyst.ts';

const app = analystRoutes();

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await app.request(path, { headers });
  return { response, text: response.status === 200 ? await response.text() : '' };
}

describe('the analyst console route', () => {
  it('serves the page with a CSP that allows same-origin scripts only, and the page has no inline script or style', async () => {
    const { response, text } = await get('/analyst');
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:/);
    for (const script of text.matchAll(/<script\b[^>]*>/g)) expect(script[0]).toMatch(/\ssrc="\/analyst\//);
    expect(text).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  });

  it('serves every script the page names and every module they import, as JavaScript', async () => {
    const page = (await get('/analyst')).text;
    const pending = [...page.matchAll(/(?:src|href)="(\/analyst\/[^"]+)"/g)].map((m) => m[1]!);
    const seen = new Set<string>();
    while (pending.length) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const { response, text } = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      if (path.startsWith('/analyst/assets/') && path.endsWith('.js')) {
        for (const m of text.matchAll(/^import\s[^'"]*['"]\.\/([^'"]+)['"]/gm)) pending.push(`/analyst/assets/${m[1]}`);
      }
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        '/analyst/assets/analyst.js',
        '/analyst/assets/charts.js',
        '/analyst/assets/csv.js',
        '/analyst/vendor/d3.min.js',
        '/analyst/vendor/plot.umd.min.js',
      ]),
    );
  });

  it("renders the API's text as text: no innerHTML, insertAdjacentHTML or document.write in the page's code", async () => {
    for (const name of ['analyst.js', 'api.js', 'charts.js', 'csv.js', 'exports.js', 'flywheel.js', 'gaps.js', 'insights.js']) {
      const { response, text } = await get(`/analyst/assets/${name}`);
      expect(response.status, name).toBe(200);
      const code = text.replace(/^\s*(\/\/|\*|\/\*).*$/gm, ''); // comments may name what the code must not do
      expect(code, name).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });

  it('serves the charting library without eval, revalidated by its hash', async () => {
    const { response, text } = await get('/analyst/vendor/plot.umd.min.js');
    expect(text).toMatch(/^\/\/ @observablehq\/plot v0\.6\./);
    expect(text).not.toMatch(/\beval\(|new Function/);
    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await app.request('/analyst/vendor/plot.umd.min.js', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await get('/analyst/vendor/d3.min.js')).text).toMatch(/^\/\/ https:\/\/d3js\.org v7\./);
  });
});
