#!/usr/bin/env bash
# Runs the access-check benchmark's requests through the independent
# simulator @cloud-copilot/iam-simulate (npm), installed into a scratch
# folder, and prints its per-request time beside our evaluator's and how
# many decisions agree.
#
#   tests/bench/iam-simulate-peer.sh [REQUESTS.json] [ESTIMATES.json]
#
# REQUESTS.json (default /tmp/iam-requests.json) is written by the benchmark:
#   ACCESS_CHECK_REQUESTS_JSON=/tmp/iam-requests.json \
#     cargo bench -p shared --bench access_check --profile release-native
# ESTIMATES.json (default target/criterion/access_check_evaluate_requests/new/estimates.json)
# is criterion's result for `access_check/evaluate_requests` from that run.
# The scratch folder is $IAM_SIMULATE_DIR (default /tmp/iam-simulate-peer);
# the package version is $IAM_SIMULATE_VERSION (default: latest).
set -euo pipefail

requests=${1:-/tmp/iam-requests.json}
estimates=${2:-target/criterion/access_check_evaluate_requests/new/estimates.json}
scratch=${IAM_SIMULATE_DIR:-/tmp/iam-simulate-peer}
version=${IAM_SIMULATE_VERSION:-latest}

[ -f "$requests" ] || { echo "no $requests: run the access_check benchmark with ACCESS_CHECK_REQUESTS_JSON first" >&2; exit 2; }
mkdir -p "$scratch"
if [ ! -d "$scratch/node_modules/@cloud-copilot/iam-simulate" ]; then
  (cd "$scratch" && npm init -y >/dev/null && npm install --no-audit --no-fund "@cloud-copilot/iam-simulate@$version" >/dev/null)
fi
ours_ns=""
if [ -f "$estimates" ]; then
  ours_ns=$(node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(e.median.point_estimate)' "$estimates")
fi

cat > "$scratch/peer.mjs" <<'JS'
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const [requestsPath, oursTotalNs] = process.argv.slice(2)
const requests = JSON.parse(readFileSync(requestsPath, 'utf8'))
const simulations = requests.map((r) => ({
  request: {
    principal: r.principal,
    action: r.action,
    resource: { resource: r.resource, accountId: r.resource.split(':')[4] || '' },
    contextVariables: r.context,
  },
  identityPolicies: r.identityPolicies.map((policy, i) => ({ name: `identity${i}`, policy })),
  serviceControlPolicies: [],
  resourceControlPolicies: [],
  ...(r.resourcePolicy ? { resourcePolicy: r.resourcePolicy } : {}),
}))
const ours = { allowed: 'Allowed', explicitDeny: 'ExplicitlyDenied', implicitDeny: 'ImplicitlyDenied' }

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

// The validating entry point, as a user of the library calls it (its
// unvalidated runUnsafeSimulation cannot take a resource policy in 0.1.x:
// it reads the policy's name from metadata it never sets). Warm up, then
// time whole passes.
const results = []
for (const s of simulations) results.push(await runSimulation(s, {}))
for (let i = 0; i < 3; i++) for (const s of simulations) await runSimulation(s, {})
const passes = []
for (let i = 0; i < 10; i++) {
  const start = process.hrtime.bigint()
  for (const s of simulations) await runSimulation(s, {})
  passes.push(Number(process.hrtime.bigint() - start))
}
const decisions = results.map((r) => (r.resultType === 'error' ? `error: ${r.errors.message}` : r.overallResult))
const agree = requests.filter((r, i) => ours[r.expected] === decisions[i]).length
const n = requests.length
const peerNs = median(passes)
console.log(`requests: ${n}`)
console.log(`iam-simulate runSimulation: ${(peerNs / 1e6).toFixed(2)} ms per pass, ${(peerNs / n / 1e3).toFixed(2)} µs per request (median of 10 passes)`)
console.log(`decisions equal to ours: ${agree} of ${n}`)
const differing = new Map()
for (const [i, r] of requests.entries()) {
  if (ours[r.expected] !== decisions[i]) {
    const kind = `${r.action}: ours ${r.expected}, iam-simulate ${decisions[i]}`
    differing.set(kind, (differing.get(kind) || 0) + 1)
  }
}
for (const [kind, count] of differing) console.log(`  differs ×${count}: ${kind}`)
if (oursTotalNs) {
  const oursNs = Number(oursTotalNs)
  console.log(`ours (iam::evaluate, criterion median): ${(oursNs / 1e6).toFixed(3)} ms per pass, ${(oursNs / n / 1e3).toFixed(3)} µs per request`)
  console.log(`ratio iam-simulate / ours: ${(peerNs / oursNs).toFixed(0)}x`)
}
JS
node "$scratch/peer.mjs" "$requests" "$ours_ns"
