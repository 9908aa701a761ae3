#!/usr/bin/env bash
# package-test.sh — `make package-test` (part of `make test`): builds the .deb from the debug
# build, checks its signed SHA256SUMS, installs it on this machine with dpkg inside `unshare -n`
# (no network at all), runs the installed app headless against fresh data directories — `selftest`
# (every bundled model and library against the installed manifest) and the whole demo — with no
# INTERVIEW_KIOSK_* variable pointing back into the checkout, and the zero-egress test on the
# installed binary (tests/egress/zero_egress.py); then installs a newer version over
# it and checks that the vault made before opens with its keys and data; then removes and purges
# the package and checks that the vault is still there. Needs root and `make build`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/target/package"
work="$(mktemp -d)"
cleanup() {
  dpkg -s interview-kiosk >/dev/null 2>&1 && dpkg -P interview-kiosk >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (dpkg -i)" >&2; exit 1; }
say() { printf '\n== %s\n' "$*"; }

say "build the package (debug build, test-signed)"
python3 "$root/installer/package.py" --debug --out "$out"
deb="$(ls "$out"/interview-kiosk_*_amd64.deb)"
(cd "$out" && sha256sum -c SHA256SUMS --ignore-missing --quiet)
openssl pkeyutl -verify -pubin -inkey "$out/SHA256SUMS.pub.pem" -rawin -in "$out/SHA256SUMS" -sigfile "$out/SHA256SUMS.sig"

# The installed app, with a clean environment: nothing may lead it back to the checkout. (The
# password is the demo's unless PASSWORD says otherwise.)
installed() {
  unshare -n env -i PATH=/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 \
    INTERVIEW_KIOSK_KEYRING_PASSWORD="package test keyring" XDG_DATA_HOME="$work/xdg" \
    INTERVIEW_KIOSK_PASSWORD="${PASSWORD:-demo-password-2026}" \
    /usr/lib/interview-kiosk/with-keyring /usr/bin/interview-kiosk --lang en "$@"
}
mkdir -p "$work/home"

dpkg -s interview-kiosk >/dev/null 2>&1 && dpkg -P interview-kiosk >/dev/null
say "install with no network"
started=$(date +%s.%N)
unshare -n dpkg -i "$deb"
finished=$(date +%s.%N)
install_seconds=$(python3 -c "print(f'{$finished - $started:.1f}')")

say "the kiosk station's session: installed, valid, disabled"
unit=/usr/lib/systemd/system/interview-kiosk-station.service
[ -x /usr/lib/interview-kiosk/kiosk-session ] || { echo "package-test: no kiosk-session" >&2; exit 1; }
systemd-analyze verify "$unit"
sysusers=$(systemd-sysusers --dry-run /usr/lib/sysusers.d/interview-kiosk-station.conf 2>&1)
grep -q "Creating user 'interview-kiosk-station'" <<<"$sysusers" \
  || { echo "package-test: the station's account is not declared: $sysusers" >&2; exit 1; }
enabled=$(systemctl --root=/ is-enabled interview-kiosk-station.service || true)
[ "$enabled" = "disabled" ] || { echo "package-test: the kiosk session is '$enabled', not disabled" >&2; exit 1; }
# The installed kiosk under cage runs in the zero-egress test below (workload kiosk-session).
echo "kiosk session: unit valid, account declared, installed disabled"

say "selftest of the installed app"
selftest="$(installed --data-dir "$work/selftest" selftest)"
echo "$selftest"
grep -q "/usr/lib/interview-kiosk/manifest.toml" <<<"$selftest"
grep -q "all .* components verified" <<<"$selftest"

say "the demo on the installed app"
installed --data-dir "$work/data" demo | tail -n 12
installed --data-dir "$work/data" vault status --user admin | tee "$work/status-before"

say "zero egress of the installed app (every workload of make test-egress, in a namespace with a sink)"
python3 "$root/tests/egress/zero_egress.py" --app /usr/bin/interview-kiosk \
  --with-keyring /usr/lib/interview-kiosk/with-keyring
[ -f /usr/share/doc/interview-kiosk/UPGRADING.md ] || { echo "package-test: no upgrade notes" >&2; exit 1; }

say "an earlier version's ONNX Runtime telemetry cache is removed at the next start"
leftover="$work/home/.cache/Microsoft/DeveloperTools/.onnxruntime"
mkdir -p "$leftover" && echo "device" >"$leftover/deviceid" && echo "events" >"$leftover/onnxruntime.db"
installed --data-dir "$work/data" vault status --user admin >/dev/null
[ ! -e "$work/home/.cache/Microsoft" ] || { echo "package-test: the telemetry cache was not removed" >&2; exit 1; }

say "a vault made by the previous release (schema 8) opens, migrated, with its key restored"
fixture="$root/tests/fixtures/vault-schema8"
cp -r "$fixture/data" "$work/old"
installed --data-dir "$work/old" vault recover < "$fixture/recovery-key.txt"
PASSWORD=upgrade-fixture-password installed --data-dir "$work/old" vault status --user admin | tee "$work/status-old"
# The schema this build brings: one migration per entry of `MIGRATIONS` (vault/src/schema.rs).
current=$(grep -oE 'MIGRATIONS: &\[&str\] = &\[[^]]*\]' "$root/src-tauri/crates/vault/src/schema.rs" | grep -oE 'V[0-9]+' | wc -l)
grep -q "schema version   $current\$" "$work/status-old" || { echo "package-test: not migrated to schema $current" >&2; exit 1; }
[ -f "$work/old/vault/vault.db.before-v$current" ] || { echo "package-test: no backup before the migration" >&2; exit 1; }
for field in accounts jobs candidates interviews; do
  grep -E "^ +$field " "$fixture/status.txt" | diff - <(grep -E "^ +$field " "$work/status-old")
done
PASSWORD=upgrade-fixture-password installed --data-dir "$work/old" vault check --user admin

say "upgrade: a newer package over the installed one"
upgrade_dir="$work/upgrade"
python3 "$root/installer/package.py" --debug --out "$upgrade_dir" --version 0.1.1-test
# Two builds carry byte-identical models and libraries (the .deb itself differs: version, dates).
diff <(grep -v '\.deb$' "$out/SHA256SUMS") <(grep -v '\.deb$' "$upgrade_dir/SHA256SUMS")
unshare -n dpkg -i "$upgrade_dir"/interview-kiosk_0.1.1-test_amd64.deb
dpkg -s interview-kiosk | grep -q "^Version: 0.1.1-test"
installed --data-dir "$work/data" vault status --user admin | tee "$work/status-after"
installed --data-dir "$work/data" audit verify --user admin

say "remove and purge: the vault stays"
dpkg -r interview-kiosk >/dev/null
[ ! -e /usr/bin/interview-kiosk ] || { echo "package-test: the binary is still installed" >&2; exit 1; }
[ ! -e /usr/lib/interview-kiosk ] || { echo "package-test: /usr/lib/interview-kiosk is left behind" >&2; exit 1; }
if dpkg -s interview-kiosk >/dev/null 2>&1; then dpkg -P interview-kiosk >/dev/null; fi
[ -f "$work/data/vault/vault.db" ] || { echo "package-test: the vault was deleted" >&2; exit 1; }

size_mb=$(python3 -c "import os; print(f'{os.path.getsize(\"$deb\") / 1e6:.1f}')")
installed_mb=$(dpkg-deb -f "$deb" Installed-Size | python3 -c "import sys; print(f'{int(sys.stdin.read()) / 1024:.1f}')")
say "package-test: ok — $(basename "$deb"): ${size_mb} MB, ${installed_mb} MiB installed, dpkg -i took ${install_seconds} s (debug build)"
