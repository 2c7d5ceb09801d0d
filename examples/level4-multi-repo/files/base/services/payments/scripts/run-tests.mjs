// Run this package's tests with Node's built-in test runner, loading
// TypeScript through tsx. Each argument selects the test files in test/
// whose name contains it, so `pnpm test audit.integration` runs only
// test/audit.integration.test.ts. No argument runs every test file.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filters = process.argv.slice(2);
const files = readdirSync("test")
  .filter((name) => name.endsWith(".test.ts"))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort()
  .map((name) => join("test", name));

if (files.length === 0) {
  console.error(`no test file in test/ matches: ${filters.join(", ")}`);
  process.exit(1);
}

const result = spawnSync(process.execPath, ["--import", "tsx", "--test", ...files], {
  stdio: "inherit",
});
if (result.error) {
  console.error(`failed to start node: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
