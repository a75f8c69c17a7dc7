// Runs node dotenv (parse) and dotenv-expand (expand, with an empty processEnv so nothing is
// read from this process) on every snippet. Usage: node oracle-node.js CASES_JSON > OUT_JSON
'use strict'
const fs = require('fs')
const dotenv = require('dotenv')
const { expand } = require('dotenv-expand')
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const out = {}
for (const c of cases) {
  const raw = dotenv.parse(Buffer.from(c.text, 'utf8'))
  let expanded
  try {
    expanded = expand({ parsed: { ...raw }, processEnv: {} }).parsed
  } catch (e) {
    expanded = { error: String(e) }
  }
  out[c.id] = { raw, expanded }
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
