#!/usr/bin/env bash
# Makes sure valkey-server, valkey-sentinel and valkey-cli are installed (the integration tests
# start real processes; no server on 6379 is needed or used).
#
#   bash scripts/ensure-valkey.sh
#
# Present: prints the version and exits 0.
# Missing: installs them with apt on Debian 12 (from bookworm-backports), Debian 13+ and
# Ubuntu 24.04+ (from the main archive), as root or through non-interactive sudo. Otherwise
# prints the commands to run and exits 1.
#
# Installing the Debian packages may try to start a systemd service; that is harmless (and
# fails quietly where there is no systemd). The tests never rely on it.
set -euo pipefail

readonly TOOLS=(valkey-server valkey-sentinel valkey-cli)
readonly PACKAGES=(valkey-server valkey-sentinel valkey-tools)
readonly BACKPORTS_FILE=/etc/apt/sources.list.d/bookworm-backports.sources
# Overridable for testing the branches below on another system.
readonly OS_RELEASE="${ENSURE_VALKEY_OS_RELEASE:-/etc/os-release}"

missing_tools() {
  local tool
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || printf ' %s' "$tool"
  done
}

print_version() {
  echo "valkey: $(valkey-server --version)"
}

# The commands for this system, one per line, or nothing when the system is not supported.
install_plan() {
  local id="" version_id="" codename=""
  if [[ -r "$OS_RELEASE" ]]; then
    # shellcheck disable=SC1090
    . "$OS_RELEASE"
    id="${ID:-}"
    version_id="${VERSION_ID:-}"
    codename="${VERSION_CODENAME:-}"
  fi
  local major="${version_id%%.*}"
  local install="DEBIAN_FRONTEND=noninteractive apt-get install -y"

  if [[ "$id" == debian && ( "$major" == 12 || "$codename" == bookworm ) ]]; then
    if ! has_backports_source; then
      echo "printf '%s\\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > $BACKPORTS_FILE"
    fi
    echo "apt-get update"
    echo "$install -t bookworm-backports ${PACKAGES[*]}"
  elif [[ "$id" == debian && "$major" =~ ^[0-9]+$ && "$major" -ge 13 ]] ||
    [[ "$id" == debian && ( "$codename" == trixie || "$codename" == forky || "$codename" == sid ) ]] ||
    [[ "$id" == ubuntu && "$major" =~ ^[0-9]+$ && "$major" -ge 24 ]]; then
    echo "apt-get update"
    echo "$install ${PACKAGES[*]}"
  fi
}

# True when an active apt source (not commented out, in a file apt reads) names bookworm-backports.
has_backports_source() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -r "$file" ]] || continue
    grep -qE '^[^#]*[[:space:]]bookworm-backports([[:space:]]|$)' "$file" && return 0
  done
  return 1
}

print_manual_instructions() {
  cat >&2 <<'EOF'
Install Valkey 8 (valkey-server, valkey-sentinel, valkey-cli), for example:
  Debian 12:          add bookworm-backports, then
                      sudo apt-get install -t bookworm-backports valkey-server valkey-sentinel valkey-tools
  Debian 13+, Ubuntu 24.04+:
                      sudo apt-get install valkey-server valkey-sentinel valkey-tools
  Fedora:             sudo dnf install valkey
  Arch:               sudo pacman -S valkey
  macOS (Homebrew):   brew install valkey
  From source:        https://valkey.io/topics/installation/
Or run the Docker topology instead: docker compose -f docker/compose.yaml up -d --wait
EOF
}

main() {
  local missing
  missing="$(missing_tools)"
  if [[ -z "$missing" ]]; then
    print_version
    return 0
  fi
  echo "missing:$missing" >&2

  local plan
  plan="$(install_plan)"
  if [[ -z "$plan" ]]; then
    echo "No automatic install for this system." >&2
    print_manual_instructions
    return 1
  fi

  local -a run_as=()
  local step
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      run_as=(sudo -n)
    else
      echo "Not root and no passwordless sudo. Run as root:" >&2
      while IFS= read -r step; do echo "  $step" >&2; done <<<"$plan"
      return 1
    fi
  fi

  while IFS= read -r step; do
    echo "+ $step"
    ${run_as[@]+"${run_as[@]}"} sh -c "$step"
  done <<<"$plan"

  missing="$(missing_tools)"
  if [[ -n "$missing" ]]; then
    echo "still missing after install:$missing" >&2
    return 1
  fi
  print_version
}

main "$@"
