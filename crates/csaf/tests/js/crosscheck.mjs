// Runs the official CSAF validator library (@secvisogram/csaf-validator-lib) over CSAF documents
// and prints, per document, one JSON line: {"file": path, "failed": [test ids], "crashed": [ids of
// tests that threw], "schema": [the JSON pointers of the schema failures]}. The JSON schema
// test (csaf_2_0) is reported as "schema", mandatoryTest_6_1_27_1 as "6.1.27.1", and so on.
// Usage: node crosscheck.mjs NODE_MODULES_DIR FILE...
// Reads only local files; imports only the schema and mandatory tests (no informative test, which
// would fetch URLs).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [, , modules, ...files] = process.argv
if (!modules || files.length === 0) {
  console.error('usage: node crosscheck.mjs NODE_MODULES_DIR FILE...')
  process.exit(2)
}
const lib = join(modules, '@secvisogram', 'csaf-validator-lib')
const load = (f) => import(pathToFileURL(join(lib, f)).href)
const schemaTests = await load('schemaTests.js')
const mandatoryTests = await load('mandatoryTests.js')
const validate = (await load('validate.js')).default

const tests = [schemaTests.csaf_2_0, ...Object.values(mandatoryTests)]
const idOf = (name) =>
  name === 'csaf_2_0' ? 'schema' : name.replace(/^mandatoryTest_/, '').replaceAll('_', '.')

for (const file of files) {
  const doc = JSON.parse(await readFile(file, 'utf8'))
  const failed = []
  const crashed = []
  let schema = []
  // One test at a time: some tests of the library throw on documents of unexpected shape; such a
  // test is reported under "crashed" instead of stopping the run.
  for (const test of tests) {
    try {
      const result = await validate([test], doc)
      const t = result.tests[0]
      if (!t.isValid) {
        failed.push(idOf(t.name))
        if (t.name === 'csaf_2_0') schema = t.errors.map((e) => e.instancePath ?? '')
      }
    } catch {
      crashed.push(idOf(test.name))
    }
  }
  process.stdout.write(JSON.stringify({ file, failed, crashed, schema }) + '\n')
}
