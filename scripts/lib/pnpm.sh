# shellcheck shell=bash
# pnpm from PATH when it is the pinned version, else through npx (corepack's download does not work everywhere).
PNPM_VERSION=12.4.2
run_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    pnpm "$@"
  else
    npx -y "pnpm@$PNPM_VERSION" "$@"
  fi
}
