import { readFileSync } from 'node:fs';
import { MAP_HEIGHT, MAP_LAT_BOTTOM, MAP_LAT_TOP, MAP_WIDTH, worldMapSvg } from './world.js';

/** The dashboard's script, compiled from packages/router/ui-client by `tsc -b` (`npm run build`). */
const CLIENT_SCRIPT = new URL('../../dist/client/dashboard.js', import.meta.url);

let cached: string | undefined;

function clientScript(): string | undefined {
  try {
    return readFileSync(CLIENT_SCRIPT, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  } catch {
    return undefined;
  }
}

const NOT_BUILT = `document.body.textContent = 'The dashboard script is not built: run npm run build.';`;

const STYLE = `
:root { --bg:#0f1419; --panel:#182029; --line:#2a3541; --text:#dde6ee; --muted:#8a9aa8; --ok:#3ecf8e; --lag:#f5b841; --bad:#ef5a5a; --accent:#5aa9ff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display:flex; align-items:center; gap:16px; padding:10px 18px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .meta { color:var(--muted); font-size:13px; }
header .spacer { flex:1; }
#live { font-size:12px; padding:2px 8px; border-radius:10px; background:#333; }
#live.on { background:#1d4d36; color:var(--ok); }
main { display:grid; grid-template-columns: minmax(0, 1fr) 360px; gap:14px; padding:14px 18px; }
.panel { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px; }
#map { width:100%; height:auto; display:block; background:#13293d; border-radius:6px; }
#map .land { fill:#2c3e33; stroke:#3d5445; stroke-width:0.6; }
#map .graticule line { stroke:#21405a; stroke-width:0.5; }
#map .graticule line.equator { stroke:#2e5678; stroke-width:0.9; }
#map .link { fill:none; stroke-width:3; stroke-linecap:round; cursor:pointer; }
#map .link.ok { stroke:var(--ok); }
#map .link.lagging { stroke:var(--lag); }
#map .link.down { stroke:var(--bad); stroke-dasharray:2 6; }
#map .link.partitioned { stroke:var(--bad); stroke-dasharray:10 7; }
#map .cut { fill:var(--bad); font-size:20px; font-weight:700; text-anchor:middle; dominant-baseline:middle; }
#map .delay { fill:#fff; font-size:12px; text-anchor:middle; paint-order:stroke; stroke:#13293d; stroke-width:4px; }
#map .region circle { stroke:#fff; stroke-width:1.5; }
#map .region.healthy circle.dot { fill:var(--accent); }
#map .region.unhealthy circle.dot { fill:var(--bad); }
#map .region circle.ring { fill:none; stroke:#ffd866; stroke-width:2; }
#map .region text { fill:#fff; font-size:13px; font-weight:600; paint-order:stroke; stroke:#13293d; stroke-width:4px; }
#map .region text.sub { font-size:11px; font-weight:400; fill:#cfe3f5; }
#regions { display:grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap:10px; margin-top:12px; }
.card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.card h3 { margin:0 0 6px; font-size:14px; display:flex; align-items:center; gap:6px; }
.badge { font-size:11px; padding:1px 6px; border-radius:8px; background:#2b3a48; color:var(--muted); font-weight:500; }
.badge.primary { background:#4a4020; color:#ffd866; }
.badge.bad { background:#4d1f1f; color:var(--bad); }
.card dl { display:grid; grid-template-columns: auto 1fr; gap:1px 10px; margin:0; font-size:13px; }
.card dt { color:var(--muted); }
.card dd { margin:0; text-align:right; font-variant-numeric: tabular-nums; }
.spark { width:100%; height:34px; margin-top:6px; display:block; }
.spark polyline { fill:none; stroke:var(--accent); stroke-width:1.5; }
.spark text { fill:var(--muted); font-size:9px; }
aside h2 { font-size:14px; margin:0 0 8px; }
aside label { display:block; color:var(--muted); font-size:12px; margin:8px 0 2px; }
aside select, aside input { width:100%; padding:6px; background:#0f1419; color:var(--text); border:1px solid var(--line); border-radius:5px; }
.buttons { display:flex; flex-wrap:wrap; gap:6px; margin-top:10px; }
button { background:#263443; color:var(--text); border:1px solid var(--line); border-radius:5px; padding:6px 10px; cursor:pointer; font-size:13px; }
button:hover { background:#30455a; }
button.danger { border-color:#6b2b2b; }
#message { min-height:1.4em; margin-top:8px; font-size:12px; color:var(--muted); }
#message.error { color:var(--bad); }
#links-table { width:100%; border-collapse:collapse; font-size:12px; margin-top:12px; }
#links-table td { padding:3px 4px; border-top:1px solid var(--line); }
.dot-ok { color:var(--ok); } .dot-lagging { color:var(--lag); } .dot-partitioned, .dot-down { color:var(--bad); }
#report { margin-top:14px; font-size:13px; }
#report a { color:var(--accent); }
#login { max-width:420px; margin:80px auto; }
#login input { width:100%; padding:8px; margin:8px 0; background:#0f1419; color:var(--text); border:1px solid var(--line); border-radius:5px; }
.hidden { display:none !important; }
`;

/** The dashboard page: one self-contained HTML document (inline CSS, SVG map and script; no CDN). */
export function dashboardPage(): string {
  if (cached !== undefined) return cached;
  const script = clientScript();
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meridian — live topology</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<div id="login" class="panel hidden">
  <h2>Meridian dashboard</h2>
  <p>Enter the admin token (MERIDIAN_ADMIN_TOKEN, or the standard token when no admin token is set). It is kept in this browser tab only (sessionStorage).</p>
  <form id="login-form"><input id="token" type="password" autocomplete="off" placeholder="admin token"><button type="submit">Open</button></form>
  <div id="login-error" class="error"></div>
</div>
<div id="app" class="hidden">
<header>
  <h1>Meridian</h1><span class="meta" id="summary"></span><span class="spacer"></span>
  <span id="live">connecting…</span><button id="logout" type="button">Forget token</button>
</header>
<main>
  <section>
    <div class="panel">
      <svg id="map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" data-lat-top="${MAP_LAT_TOP}" data-lat-bottom="${MAP_LAT_BOTTOM}" role="img" aria-label="world map of the regions">
        ${worldMapSvg()}
        <g id="links"></g><g id="markers"></g>
      </svg>
    </div>
    <div id="regions"></div>
  </section>
  <aside class="panel">
    <h2>Network between regions</h2>
    <label for="link-select">Link (primary ↔ replica, both directions)</label>
    <select id="link-select"></select>
    <label for="delay-input">One-way delay (ms)</label>
    <input id="delay-input" type="number" min="0" step="1" value="100">
    <div class="buttons">
      <button id="set-delay" type="button">Set delay</button>
      <button id="partition" type="button" class="danger">Partition</button>
      <button id="heal" type="button">Heal</button>
      <button id="clear" type="button">Clear all</button>
    </div>
    <div id="message"></div>
    <table id="links-table"><tbody></tbody></table>
    <div id="report"></div>
  </aside>
</main>
</div>
<script type="module">${script ?? NOT_BUILT}</script>
</body>
</html>`;
  if (script !== undefined) cached = page;
  return page;
}
