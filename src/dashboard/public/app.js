// The dashboard page: renders the JSON API and refetches what an event says changed (no reload, no build step).
// uPlot is the global the vendor script (node_modules/uplot, served at /vendor) defines.

const TOP_CHARTED = 5;
const COLORS = ['#1d9bf0', '#f4212e', '#00ba7c', '#ffad1f', '#794bc4', '#657786'];
const state = { selected: null, board: [], charts: {} };

/** Builds an element; children are nodes or strings (text, never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

const fmtTime = (ms) => (ms == null ? '—' : new Date(ms).toLocaleString());
const fmtNum = (n) => (n == null ? '—' : Number(n).toLocaleString('en-US'));
const fmtChange = (n) => (n > 0 ? `+${fmtNum(n)}` : n < 0 ? fmtNum(n) : '0');
const who = (row) => (row.screenName ? `@${row.screenName}` : row.authorId ? `user ${row.authorId}` : 'unknown author');

// ---- leaderboard ----

async function refreshBoard() {
  const board = await getJson('/api/leaderboard?limit=20');
  state.board = board.rows;
  document.getElementById('minute').textContent =
    board.minuteMs == null ? 'no data yet' : `counts at ${fmtTime(board.minuteMs)}`;
  const body = document.querySelector('#leaderboard tbody');
  body.replaceChildren(...board.rows.map((row, i) => boardRow(row, i + 1)));
  if (!state.selected && board.rows.length) state.selected = board.rows[0].tweetId;
  await refreshCharts();
}

function boardRow(row, rank) {
  const exportLink = (format) =>
    el('a', { href: `/api/export?format=${format}&tweet=${row.tweetId}`, onclick: (e) => e.stopPropagation() }, format);
  return el(
    'tr',
    {
      'data-tweet-id': row.tweetId,
      class: row.tweetId === state.selected ? 'selected' : undefined,
      onclick: () => select(row.tweetId),
    },
    el('td', {}, String(rank)),
    el(
      'td',
      {},
      el('strong', {}, who(row)),
      ' ',
      el('span', { class: 'muted small' }, `#${row.tweetId}`),
      row.text ? el('span', { class: 'tweet-text' }, row.text) : undefined,
    ),
    el('td', { class: 'num count' }, fmtNum(row.count)),
    el('td', { class: `num last-minute ${row.lastMinute > 0 ? 'up' : ''}` }, fmtChange(row.lastMinute)),
    el('td', { class: `num last-15 ${row.last15Minutes > 0 ? 'up' : ''}` }, fmtChange(row.last15Minutes)),
    el('td', { class: 'small' }, exportLink('csv'), ' ', exportLink('parquet')),
  );
}

function select(tweetId) {
  state.selected = tweetId;
  for (const tr of document.querySelectorAll('#leaderboard tbody tr'))
    tr.classList.toggle('selected', tr.dataset.tweetId === tweetId);
  void refreshCharts();
}

// ---- growth curves ----

/** Aligns step series on the union of their minutes (uPlot wants one x array); a count holds until it changes. */
function align(seriesList) {
  const xs = [...new Set(seriesList.flatMap((s) => s.map(([m]) => m)))].sort((a, b) => a - b);
  const ys = seriesList.map((s) => {
    const byMinute = new Map(s);
    let last = null;
    return xs.map((m) => (byMinute.has(m) ? (last = byMinute.get(m)) : last));
  });
  return [xs.map((m) => m / 1000), ...ys];
}

function drawChart(key, container, labels, data) {
  const width = Math.max(320, container.clientWidth || 600);
  const existing = state.charts[key];
  const signature = labels.join('|');
  if (existing && existing.signature === signature) {
    existing.plot.setData(data);
  } else {
    existing?.plot.destroy();
    const series = [
      {},
      ...labels.map((label, i) => ({
        label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: true, size: 5 },
      })),
    ];
    const plot = new uPlot(
      { width, height: 220, series, scales: { x: { time: true } }, axes: [{}, { size: 60 }], legend: { live: false } },
      data,
      container,
    );
    state.charts[key] = { plot, signature };
  }
  container.dataset.points = String(data[0].length);
  container.dataset.series = String(labels.length);
}

async function refreshCharts() {
  const top = state.board.slice(0, TOP_CHARTED);
  const ids = [...new Set([...top.map((r) => r.tweetId), ...(state.selected ? [state.selected] : [])])];
  if (ids.length === 0) return;
  const { series } = await getJson(`/api/series?${ids.map((id) => `tweet=${id}`).join('&')}`);
  const label = (id) => {
    const row = state.board.find((r) => r.tweetId === id);
    return row?.screenName ? `@${row.screenName} #${id}` : `#${id}`;
  };
  if (top.length)
    drawChart(
      'top',
      document.getElementById('chart-top'),
      top.map((r) => label(r.tweetId)),
      align(top.map((r) => series[r.tweetId] ?? [])),
    );
  if (state.selected) {
    document.getElementById('selected-label').textContent = label(state.selected);
    drawChart(
      'tweet',
      document.getElementById('chart-tweet'),
      [label(state.selected)],
      align([series[state.selected] ?? []]),
    );
  }
}

// ---- reports ----

function reportTable(report) {
  return el(
    'table',
    { class: 'report', 'data-at-ms': String(report.atMs) },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, '#'),
        el('th', {}, 'author'),
        el('th', {}, 'tweet'),
        el('th', { class: 'num' }, 'retweets'),
      ),
    ),
    el(
      'tbody',
      {},
      ...report.entries.map((e) =>
        el(
          'tr',
          { 'data-tweet-id': e.tweetId },
          el('td', {}, String(e.rank)),
          el('td', {}, `@${e.screenName}`),
          el(
            'td',
            {},
            el('span', { class: 'muted small' }, `#${e.tweetId}`),
            el('span', { class: 'tweet-text' }, e.text),
          ),
          el('td', { class: 'num' }, fmtNum(e.retweets)),
        ),
      ),
    ),
  );
}

async function refreshReports() {
  const { reports } = await getJson('/api/reports?limit=100');
  if (reports.length === 0) return;
  const [latest, ...past] = reports;
  document
    .getElementById('latest-report')
    .replaceChildren(el('h3', {}, `Top ${latest.entries.length} at ${fmtTime(latest.atMs)}`), reportTable(latest));
  document
    .getElementById('reports')
    .replaceChildren(
      ...past.map((r) => el('li', {}, el('details', {}, el('summary', {}, fmtTime(r.atMs)), reportTable(r)))),
    );
}

// ---- status ----

function renderStatus({ tracking: t }) {
  const w = t.workflow ?? {};
  const lagMs = w.lastTickMs ? Date.now() - w.lastTickMs : null;
  const items = [
    ['tracked tweets', fmtNum(w.trackedTweets)],
    ['followed users', w.followedUserIds ? String(w.followedUserIds.length) : '—'],
    ['last tick', w.lastTickMs ? `${fmtTime(w.lastTickMs)} (${Math.round(lagMs / 1000)} s ago)` : '—'],
    ['missed / failed ticks', w.missedTicks == null ? '—' : `${w.missedTicks} / ${w.failedTicks ?? 0}`],
    ['X requests today', fmtNum(w.xRequestsToday)],
    ['billed post reads today', fmtNum(w.billedPostReadsToday)],
    [
      'estimated X cost today',
      w.estimatedCostUsdToday == null ? '—' : `$${Number(w.estimatedCostUsdToday).toFixed(2)}`,
    ],
    ['bridge lag', t.bridgeLag == null ? '—' : `${fmtNum(t.bridgeLag)} records`],
    ['dead letters', fmtNum(t.deadLetters)],
    [
      'changelog backlog',
      w.changelogBacklogTicks ? `${fmtNum(w.changelogBacklogTicks)} ticks unconfirmed by Kafka` : '0',
    ],
    ['status polled', fmtTime(t.polledAtMs || null)],
  ];
  const errors = [t.workflowError && `workflow: ${t.workflowError}`, t.kafkaError && `Kafka: ${t.kafkaError}`].filter(
    Boolean,
  );
  document
    .getElementById('status')
    .replaceChildren(
      ...items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, v)]),
      ...errors.flatMap((e) => [el('dt', { class: 'error' }, 'unavailable'), el('dd', { class: 'error small' }, e)]),
    );
  const link = document.getElementById('workflow-link');
  link.href = t.workflowUrl;
  link.textContent = `Workflow ${t.workflowId} in the Temporal Web UI`;
}

async function refreshStatus() {
  renderStatus(await getJson('/api/status'));
}

// ---- alerts ----

async function refreshAlerts() {
  const { rules, alerts } = await getJson('/api/alerts');
  document
    .getElementById('rules')
    .replaceChildren(
      ...(rules.length
        ? rules.map((r) => el('li', {}, r.description))
        : [el('li', {}, 'No rules configured (ALERT_RULES).')]),
    );
  document
    .getElementById('alerts')
    .replaceChildren(
      ...alerts.map((a) =>
        el(
          'li',
          { 'data-rule': a.rule, 'data-tweet-id': a.tweetId },
          el('strong', {}, a.rule),
          ` #${a.tweetId} `,
          a.screenName ? `@${a.screenName} ` : '',
          `reached ${fmtNum(a.count)} at ${fmtTime(a.minuteMs)}`,
          el(
            'span',
            { class: 'muted small' },
            a.deliveredAtMs ? ' · delivered' : a.lastError ? ` · webhook: ${a.lastError}` : '',
          ),
        ),
      ),
    );
}

// ---- exports ----

for (const form of document.querySelectorAll('form.export')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ format: event.submitter?.value ?? 'csv' });
    for (const input of form.querySelectorAll('input')) params.set(input.name, String(new Date(input.value).getTime()));
    window.location.href = `/api/export?${params}`;
  });
}

// ---- live updates ----

/** Runs `work` at most once at a time; a request while it runs schedules one more run. */
function coalesced(work) {
  let running = null;
  let again = false;
  return function run() {
    if (running) return void (again = true);
    running = work()
      .catch((error) => console.error(error))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };
}

const refresh = {
  counts: coalesced(refreshBoard),
  report: coalesced(refreshReports),
  alert: coalesced(refreshAlerts),
  status: coalesced(refreshStatus),
};

function connect() {
  const events = new EventSource('/api/events');
  const live = document.getElementById('live');
  const showLive = (on) => {
    live.textContent = on ? 'live' : 'reconnecting…';
    live.classList.toggle('on', on);
  };
  events.onopen = () => showLive(true);
  events.onerror = () => showLive(false);
  events.addEventListener('counts', refresh.counts);
  events.addEventListener('report', () => {
    refresh.report();
    refresh.counts();
  });
  events.addEventListener('alert', refresh.alert);
  events.addEventListener('status', (e) => renderStatus({ tracking: JSON.parse(e.data) }));
}

connect();
Object.values(refresh).forEach((run) => run());
