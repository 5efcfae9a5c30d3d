/**
 * The live dashboard's browser script (served inline by the router at /_meridian/ui). It keeps the
 * admin token in sessionStorage, reads snapshots from /_meridian/ui/stream (server-sent events read
 * with fetch, so the token travels in a header), draws the map and the cards, and sends lag changes
 * to the router's /_meridian/lag, which applies them on every node.
 */

interface LinkDirection {
  delayMs: number;
  partitioned: boolean;
}

interface LinkFigures {
  primary: string;
  replica: string;
  toReplica: LinkDirection | null;
  toPrimary: LinkDirection | null;
  health: 'ok' | 'lagging' | 'partitioned' | 'down';
}

interface RegionFigures {
  name: string;
  lat: number;
  lon: number;
  isPrimary: boolean;
  healthy: boolean;
  error: string | null;
  appliedOffset: number | null;
  lagOffsets: number | null;
  lagMs: number | null;
  stalenessMs: number | null;
  commandsPerSecond: number | null;
  readLatencyP50Ms: number | null;
  readLatencyP99Ms: number | null;
  keys: number | null;
  lagHistoryMs: (number | null)[];
}

interface Snapshot {
  atMs: number;
  primary: string;
  sampleIntervalMs: number;
  regions: RegionFigures[];
  links: LinkFigures[];
  report: { modifiedAtMs: number; summary: Record<string, unknown> | null } | null;
}

const TOKEN_KEY = 'meridian.adminToken';
const SVG = 'http://www.w3.org/2000/svg';
const RECONNECT_MS = 1000;

function element<T extends Element>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as unknown as T;
}

const map = element<SVGSVGElement>('map');
const mapWidth = map.viewBox.baseVal.width;
const mapHeight = map.viewBox.baseVal.height;
const latTop = Number(map.dataset['latTop']);
const latBottom = Number(map.dataset['latBottom']);

function project(lon: number, lat: number): [number, number] {
  return [((lon + 180) / 360) * mapWidth, ((latTop - lat) / (latTop - latBottom)) * mapHeight];
}

function svg(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(name: string, attributes: Record<string, string> = {}, text?: string): HTMLElement {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function ms(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '0 ms';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return value >= 10 ? `${Math.round(value)} ms` : `${value.toFixed(value < 1 ? 3 : 1)} ms`;
}

function count(value: number | null): string {
  return value === null ? '—' : Math.round(value).toLocaleString('en-US');
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function authorized(init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token() ?? ''}` },
  };
}

let latest: Snapshot | undefined;
let selectedReplica: string | undefined;
let streamAbort: AbortController | undefined;

function showLogin(problem?: string): void {
  streamAbort?.abort();
  element('app').classList.add('hidden');
  element('login').classList.remove('hidden');
  element('login-error').textContent = problem ?? '';
  element<HTMLInputElement>('token').focus();
}

function showApp(): void {
  element('login').classList.add('hidden');
  element('app').classList.remove('hidden');
}

function linkDelay(link: LinkFigures): string {
  const there = link.toReplica?.delayMs;
  const back = link.toPrimary?.delayMs;
  if (there === undefined && back === undefined) return '';
  if (there === back || back === undefined) return `${Math.round(there ?? 0)} ms`;
  if (there === undefined) return `${Math.round(back)} ms`;
  return `→${Math.round(there)} / ←${Math.round(back)} ms`;
}

function drawMap(snapshot: Snapshot): void {
  const links = element<SVGGElement>('links');
  const markers = element<SVGGElement>('markers');
  links.replaceChildren();
  markers.replaceChildren();
  const byName = new Map(snapshot.regions.map((region) => [region.name, region]));
  for (const link of snapshot.links) {
    const from = byName.get(link.primary);
    const to = byName.get(link.replica);
    if (from === undefined || to === undefined) continue;
    const [x1, y1] = project(from.lon, from.lat);
    const [x2, y2] = project(to.lon, to.lat);
    // A gentle arc: the control point is lifted perpendicular to the chord.
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    const dx = x2 - x1;
    const dy = y2 - y1;
    const length = Math.hypot(dx, dy) || 1;
    const lift = Math.min(60, length * 0.18);
    const cx = mx + (dy / length) * lift;
    const cy = my - (dx / length) * lift;
    const group = svg('g', { class: 'link-group', 'data-replica': link.replica, 'data-health': link.health });
    group.appendChild(svg('path', { class: `link ${link.health}`, d: `M${x1} ${y1} Q${cx} ${cy} ${x2} ${y2}` }));
    const labelX = 0.25 * x1 + 0.5 * cx + 0.25 * x2;
    const labelY = 0.25 * y1 + 0.5 * cy + 0.25 * y2;
    if (link.health === 'partitioned') {
      group.appendChild(svg('text', { class: 'cut', x: labelX, y: labelY }, '✂'));
      group.appendChild(svg('text', { class: 'delay', x: labelX, y: labelY + 18 }, 'partitioned'));
    } else {
      group.appendChild(svg('text', { class: 'delay', x: labelX, y: labelY - 6 }, linkDelay(link)));
    }
    group.addEventListener('click', () => selectLink(link.replica));
    links.appendChild(group);
  }
  for (const region of snapshot.regions) {
    const [x, y] = project(region.lon, region.lat);
    const group = svg('g', {
      class: `region ${region.healthy ? 'healthy' : 'unhealthy'}`,
      'data-region': region.name,
      transform: `translate(${x} ${y})`,
    });
    if (region.isPrimary) group.appendChild(svg('circle', { class: 'ring', r: 11 }));
    group.appendChild(svg('circle', { class: 'dot', r: 6 }));
    const crowded = snapshot.regions.some((other) => {
      if (other === region) return false;
      const [ox, oy] = project(other.lon, other.lat);
      return ox > x && ox - x < 170 && Math.abs(oy - y) < 30;
    });
    const left = x > mapWidth - 160 || crowded;
    const anchor = left ? 'end' : 'start';
    const dx = left ? -14 : 14;
    group.appendChild(
      svg('text', { x: dx, y: -2, 'text-anchor': anchor }, `${region.name}${region.isPrimary ? ' ★ primary' : ''}`),
    );
    const sub = region.isPrimary
      ? `offset ${count(region.appliedOffset)} · ${count(region.commandsPerSecond)} ops/s`
      : `lag ${count(region.lagOffsets)} ops · stale ${ms(region.stalenessMs)}`;
    group.appendChild(svg('text', { class: 'sub', x: dx, y: 13, 'text-anchor': anchor }, sub));
    markers.appendChild(group);
  }
}

function sparkline(points: (number | null)[]): SVGElement {
  const width = 200;
  const height = 34;
  const chart = svg('svg', { class: 'spark', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none' });
  const values = points.map((point) => point ?? 0);
  const maximum = Math.max(1, ...values);
  if (values.length > 1) {
    const step = width / (values.length - 1);
    const coordinates = values.map(
      (value, i) => `${(i * step).toFixed(1)},${(height - 2 - (value / maximum) * (height - 12)).toFixed(1)}`,
    );
    chart.appendChild(svg('polyline', { points: coordinates.join(' ') }));
  }
  const minutes = Math.max(1, Math.round(values.length / 60));
  chart.appendChild(
    svg(
      'text',
      { x: 2, y: 9 },
      `lag, last ${values.length < 60 ? `${values.length} s` : `${minutes} min`} · max ${ms(maximum === 1 && values.every((v) => v === 0) ? 0 : maximum)}`,
    ),
  );
  return chart;
}

function drawCards(snapshot: Snapshot): void {
  const container = element('regions');
  container.replaceChildren();
  for (const region of snapshot.regions) {
    const card = html('div', { class: 'card', 'data-region': region.name });
    const title = html('h3', {}, region.name);
    title.appendChild(
      html('span', { class: region.isPrimary ? 'badge primary' : 'badge' }, region.isPrimary ? 'primary' : 'replica'),
    );
    if (!region.healthy)
      title.appendChild(html('span', { class: 'badge bad', title: region.error ?? '' }, 'unhealthy'));
    card.appendChild(title);
    const list = html('dl');
    const rows: [string, string, string][] = [
      ['applied offset', count(region.appliedOffset), 'applied'],
      ['lag (ops)', count(region.lagOffsets), 'lag-ops'],
      ['lag (ms)', ms(region.lagMs), 'lag-ms'],
      ['staleness', ms(region.stalenessMs), 'staleness'],
      ['ops/s', count(region.commandsPerSecond), 'ops'],
      ['read p50 / p99', `${ms(region.readLatencyP50Ms)} / ${ms(region.readLatencyP99Ms)}`, 'latency'],
      ['keys', count(region.keys), 'keys'],
    ];
    for (const [label, value, field] of rows) {
      list.appendChild(html('dt', {}, label));
      list.appendChild(html('dd', { 'data-field': field }, value));
    }
    card.appendChild(list);
    if (!region.isPrimary) card.appendChild(sparkline(region.lagHistoryMs));
    container.appendChild(card);
  }
}

function drawLinks(snapshot: Snapshot): void {
  const select = element<HTMLSelectElement>('link-select');
  const names = snapshot.links.map((link) => link.replica);
  if ([...select.options].map((option) => option.value).join() !== names.join()) {
    select.replaceChildren(
      ...snapshot.links.map((link) => new Option(`${link.primary} ↔ ${link.replica}`, link.replica)),
    );
  }
  if (selectedReplica !== undefined && names.includes(selectedReplica)) select.value = selectedReplica;
  const body = element<HTMLTableElement>('links-table').tBodies[0] as HTMLTableSectionElement;
  body.replaceChildren(
    ...snapshot.links.map((link) => {
      const row = html('tr', { 'data-replica': link.replica });
      row.appendChild(html('td', { class: `dot-${link.health}` }, '●'));
      row.appendChild(html('td', {}, link.replica));
      row.appendChild(html('td', {}, link.health === 'partitioned' ? 'partitioned' : linkDelay(link)));
      row.appendChild(html('td', { 'data-field': 'health' }, link.health));
      return row;
    }),
  );
}

function drawReport(snapshot: Snapshot): void {
  const box = element('report');
  box.replaceChildren();
  if (snapshot.report === null) {
    box.appendChild(html('span', { class: 'meta' }, 'No experiment report yet (meridian experiment staleness).'));
    return;
  }
  const summary = snapshot.report.summary;
  const link = html('a', { href: '#', id: 'report-link' }, 'Last experiment report');
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void openReport();
  });
  box.appendChild(link);
  const when = new Date(snapshot.report.modifiedAtMs).toLocaleString();
  const details =
    summary === null ? '' : ` · ${String(summary['mode'] ?? 'sim')}, seed ${String(summary['seed'] ?? '?')}`;
  box.appendChild(document.createTextNode(` (${when}${details})`));
}

async function openReport(): Promise<void> {
  const answer = await fetch('/_meridian/ui/report', authorized());
  if (!answer.ok) return say(`report: ${answer.status}`, true);
  const url = URL.createObjectURL(new Blob([await answer.text()], { type: 'text/html' }));
  window.open(url, '_blank');
}

function render(snapshot: Snapshot): void {
  latest = snapshot;
  const healthy = snapshot.regions.filter((region) => region.healthy).length;
  element('summary').textContent =
    `primary ${snapshot.primary} · ${healthy}/${snapshot.regions.length} regions healthy · ${new Date(snapshot.atMs).toLocaleTimeString()}`;
  drawMap(snapshot);
  drawCards(snapshot);
  drawLinks(snapshot);
  drawReport(snapshot);
  document.body.dataset['updatedAt'] = String(snapshot.atMs);
}

function setLive(on: boolean, text: string): void {
  const live = element('live');
  live.textContent = text;
  live.classList.toggle('on', on);
}

/** Reads the SSE stream with fetch (EventSource cannot send the token in a header); reconnects. */
async function watch(): Promise<void> {
  streamAbort?.abort();
  const abort = new AbortController();
  streamAbort = abort;
  while (!abort.signal.aborted) {
    try {
      const answer = await fetch('/_meridian/ui/stream', authorized({ signal: abort.signal }));
      if (answer.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        return showLogin('That token was refused.');
      }
      if (!answer.ok || answer.body === null) throw new Error(`stream answered ${answer.status}`);
      showApp();
      setLive(true, 'live');
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data !== '') render(JSON.parse(data) as Snapshot);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      setLive(false, `reconnecting (${error instanceof Error ? error.message : String(error)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

function say(text: string, isError = false): void {
  const message = element('message');
  message.textContent = text;
  message.classList.toggle('error', isError);
}

function selectLink(replica: string): void {
  selectedReplica = replica;
  element<HTMLSelectElement>('link-select').value = replica;
  const link = latest?.links.find((candidate) => candidate.replica === replica);
  if (link?.toReplica) element<HTMLInputElement>('delay-input').value = String(Math.round(link.toReplica.delayMs));
}

async function changeLag(bodies: Record<string, unknown>[], done: string): Promise<void> {
  for (const body of bodies) {
    const answer = await fetch(
      '/_meridian/lag',
      authorized({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    );
    if (!answer.ok) {
      const text = await answer.text();
      return say(`${String(body['action'])} failed (${answer.status}): ${text}`, true);
    }
  }
  say(done);
}

function bothDirections(action: string, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const replica = element<HTMLSelectElement>('link-select').value;
  const primary = latest?.primary ?? '';
  return [
    { action, from: primary, to: replica, ...extra },
    { action, from: replica, to: primary, ...extra },
  ];
}

function wireControls(): void {
  element<HTMLSelectElement>('link-select').addEventListener('change', (event) =>
    selectLink((event.target as HTMLSelectElement).value),
  );
  element('set-delay').addEventListener('click', () => {
    const delayMs = Number(element<HTMLInputElement>('delay-input').value);
    if (!Number.isFinite(delayMs) || delayMs < 0) return say('The delay must be a number of ms ≥ 0.', true);
    void changeLag(bothDirections('set', { delayMs }), `Delay set to ${delayMs} ms each way.`);
  });
  element('partition').addEventListener(
    'click',
    () => void changeLag(bothDirections('partition'), 'Link partitioned (both directions).'),
  );
  element('heal').addEventListener('click', () => void changeLag(bothDirections('heal'), 'Link healed.'));
  element('clear').addEventListener(
    'click',
    () => void changeLag([{ action: 'clear' }], 'Every link is back to regions.yaml.'),
  );
  element('logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin();
  });
  element<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = element<HTMLInputElement>('token').value.trim();
    if (value === '') return;
    sessionStorage.setItem(TOKEN_KEY, value);
    void watch();
  });
}

function start(): void {
  wireControls();
  // `#token=…` (what `meridian dashboard` opens) is taken once, then removed from the address bar.
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash !== null && fromHash !== '') {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  if (token() === null) showLogin();
  else void watch();
}

start();
