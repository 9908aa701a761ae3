// Did `npm install` keep every locked package? Usage: node lock-unchanged.js COMMITTED NEW
// Exits 0 when every package of the committed lock is in the new one at the same version and
// integrity, and all the new lock adds are optional packages for other platforms (some npm
// releases write those into the lock, others drop them; either way the same code is installed).
const fs = require("fs");
const [committed, written] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, "utf8")).packages);
let ok = true;
for (const [name, pkg] of Object.entries(committed)) {
  const now = written[name];
  if (!now || now.version !== pkg.version || now.integrity !== pkg.integrity) {
    console.error(`lock: ${name || "(root)"} changed`);
    ok = false;
  }
}
for (const [name, pkg] of Object.entries(written)) {
  if (!(name in committed) && !pkg.optional) {
    console.error(`lock: ${name} added`);
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
