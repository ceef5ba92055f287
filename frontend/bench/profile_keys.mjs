// Where a keystroke's time goes on the Containers page, from a Chromium
// trace over CDP (BENCHMARKS.md, "The UI in the browser"). Not a test and
// not part of the build: a tool for looking before cutting.
//
//   node --experimental-websocket frontend/bench/profile_keys.mjs DIST [FIELD] [KEYS] [N]
//
// DIST is a built UI (`trunk build --release --dist DIST`); the server is
// `ECS_SECRETS_BIN` (default target/debug/ecs-secrets) with `serve --offline`,
// the browser `CHROMIUM` (default /usr/bin/chromium), headless at 1280×800
// as in tests/tests/it/browser_benchmarks.rs. It imports the 10 × N × N task
// definition (N = 25: 39 560 bytes once exported; 47: the 64 KiB one), opens
// Containers & secrets, unfolds svc5 and sends KEYS (40) keys back to back
// into FIELD (default svc5's 13th variable value; `decoder-input` types into
// the Error decoder before any import: the floor). It prints keydown → frame
// and the page's work (as the benchmark measures them) and, averaged per key,
// the main thread's time in the key's task (keypress, of it the `input`
// handlers, the forced layout of the edit) and in the frame (pre-paint, paint,
// layerize, commit, the content-visibility observer). TRACE=FILE keeps the
// trace (open it in Chrome's Performance panel); CSS=… adds a style sheet
// before typing (to try a change without a build).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [dist, field = "f:/containerDefinitions/5/environment/12/value", keys = "40", size = "25"] = process.argv.slice(2);
if (!dist) {
  console.error("usage: node --experimental-websocket profile_keys.mjs DIST [FIELD] [KEYS] [N]");
  process.exit(2);
}
const ACCOUNT = "123456789012", REGION = "us-east-1";
const taskDefinition = n => JSON.stringify({
  family: "bench", executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/benchExecution`,
  networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "4096", memory: "8192",
  containerDefinitions: [...Array(10).keys()].map(c => ({
    name: `svc${c}`, image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/svc${c}:1.0`, essential: c === 0, memoryReservation: 256,
    secrets: [...Array(n).keys()].map(i => ({ name: `S${i}`, valueFrom: `/s${c}/k${i}` })),
    environment: [...Array(n).keys()].map(i => ({ name: `V${i}`, value: `v${i}` })),
  })),
});

const bin = process.env.ECS_SECRETS_BIN || "target/debug/ecs-secrets";
const server = spawn(bin, ["serve", "--port", "0", "--offline", "--dist", dist], { stdio: ["ignore", "pipe", "ignore"] });
const url = await new Promise(resolve => createInterface({ input: server.stdout }).on("line", l => l.trim().startsWith("http://") && resolve(l.trim())));
const port = 9300 + Math.floor(Math.random() * 500);
const chrome = spawn(process.env.CHROMIUM || "/usr/bin/chromium", ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--window-size=1280,800", "--disable-background-networking", "--no-first-run", `--remote-debugging-port=${port}`,
  `--user-data-dir=${mkdtempSync(join(tmpdir(), "profile-keys-"))}`, "about:blank"], { stdio: "ignore" });
const stop = code => { chrome.kill(); server.kill(); process.exit(code); };
const sleep = ms => new Promise(r => setTimeout(r, ms));

let page;
for (let i = 0; !page; i++) {
  try { page = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()).find(t => t.type === "page"); } catch { /* not up yet */ }
  if (i > 100) { console.error("chromium did not start"); stop(1); }
  await sleep(200);
}
const ws = new WebSocket(page.webSocketDebuggerUrl);
await new Promise(r => (ws.onopen = r));
let next = 0, traceDone;
const pending = new Map(), events = [];
ws.onmessage = m => {
  const d = JSON.parse(m.data);
  if (d.id) { pending.get(d.id)(d); pending.delete(d.id); }
  else if (d.method === "Tracing.dataCollected") events.push(...d.params.value);
  else if (d.method === "Tracing.tracingComplete") traceDone();
};
const cdp = (method, params = {}) => new Promise((resolve, reject) => {
  const id = ++next;
  pending.set(id, d => (d.error ? reject(new Error(`${method}: ${JSON.stringify(d.error)}`)) : resolve(d.result)));
  ws.send(JSON.stringify({ id, method, params }));
});
const js = async expression => (await cdp("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true })).result.value;
const until = async (expression, what) => {
  for (let i = 0; i < 400; i++) { if (await js(expression)) return; await sleep(50); }
  console.error(`timed out waiting for ${what}`);
  stop(1);
};
const settled = () => until("document.querySelector('.app')?.dataset.settling === 'false'", "the page to settle");
const byId = id => `document.getElementById(${JSON.stringify(id)})`;

await cdp("Page.enable");
await cdp("Page.navigate", { url });
await until("!!document.getElementById('nav-start')", "the app");
if (field === "decoder-input") {
  await js("document.getElementById('nav-decoder').click(), true");
} else {
  await js("document.getElementById('nav-start').click(), true");
  await until("!!document.getElementById('import-text')", "Start");
  await js(`(t => { t.value = ${JSON.stringify(taskDefinition(+size))}; t.dispatchEvent(new Event('input')); return true; })(${byId("import-text")})`);
  await js("document.getElementById('import-button').click(), true");
  await settled();
  await js("document.getElementById('nav-containers').click(), true");
  await until(`!!${byId("f:/containerDefinitions/0/environment/0/value")}`, "Containers & secrets");
  await settled();
  await js("[...document.querySelectorAll('button')].find(b => b.getAttribute('aria-label') === 'Unfold container svc5').click(), true");
}
await until(`!!${byId(field)}`, field);
await sleep(1500); // the unfolded card adds its rows ten per frame
await settled();
await js(`(e => { e.focus(); e.scrollIntoView({ block: 'center' }); return true; })(${byId(field)})`);
if (process.env.CSS) await js(`(s => { s.textContent = ${JSON.stringify(process.env.CSS)}; document.head.append(s); return true; })(document.createElement('style'))`);
await sleep(300);
// The benchmark's measures (browser_benchmarks.rs, HOOK).
await js(`(() => { window.__m = []; window.__work = [];
  const after = t0 => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = () => window.__m.push(performance.now() - t0); c.port2.postMessage(null); });
  document.addEventListener('keydown', e => after(e.timeStamp), true);
  window.addEventListener('input', () => { const t0 = performance.now(); const c = new MessageChannel(); c.port1.onmessage = () => window.__work.push(performance.now() - t0); c.port2.postMessage(null); }, true);
  return true; })()`);
await cdp("Tracing.start", { categories: "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,toplevel", transferMode: "ReportEvents" });
for (let i = 0; i < +keys; i++) {
  const key = String.fromCharCode(97 + (i % 26)), code = `Key${key.toUpperCase()}`, vk = 65 + (i % 26);
  const before = await js("window.__m.length");
  await cdp("Input.dispatchKeyEvent", { type: "keyDown", key, code, text: key, unmodifiedText: key, windowsVirtualKeyCode: vk });
  await cdp("Input.dispatchKeyEvent", { type: "keyUp", key, code, windowsVirtualKeyCode: vk });
  await until(`window.__m.length > ${before}`, "a painted frame");
}
const done = new Promise(r => (traceDone = r));
await cdp("Tracing.end");
await done;
if (process.env.TRACE) writeFileSync(process.env.TRACE, JSON.stringify({ traceEvents: events }));

const quantiles = xs => {
  const s = [...xs].sort((a, b) => a - b), at = q => s[Math.min(s.length, Math.ceil(s.length * q)) - 1];
  return { p50: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), max: +at(1).toFixed(1) };
};
const main = events.find(e => e.name === "thread_name" && e.args.name === "CrRendererMain");
const slices = events.filter(e => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur).sort((a, b) => a.ts - b.ts);
const dispatch = type => e => e.name === "EventDispatch" && e.args?.data?.type === type;
const keydowns = slices.filter(dispatch("keydown"));
const parts = {
  keypress: dispatch("keypress"), input: dispatch("input"), editLayout: e => e.name === "Layout",
  prePaint: e => e.name === "PrePaint", paint: e => e.name === "Paint", layerize: e => e.name === "Layerize",
  commit: e => e.name === "Commit", contentVisibility: e => e.name === "IntersectionObserverController::computeIntersections",
};
const perKey = Object.fromEntries(Object.entries(parts).map(([name, is]) => {
  const total = keydowns.reduce((sum, k, i) => {
    const end = i + 1 < keydowns.length ? keydowns[i + 1].ts : Infinity;
    return sum + slices.filter(e => e.ts >= k.ts && e.ts < end && is(e)).reduce((a, e) => a + e.dur, 0);
  }, 0);
  return [name, +(total / 1000 / keydowns.length).toFixed(2)];
}));
console.log(JSON.stringify({
  field, size: field === "decoder-input" ? "no import" : `10 x ${size} x ${size}`, keys: +keys,
  keyToFrame: quantiles(await js("window.__m")), work: quantiles(await js("window.__work")), mainThreadMsPerKey: perKey,
}));
ws.close();
stop(0);
