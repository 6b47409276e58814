# Sourced by test.sh and tests/bench/run.sh: installs the Debian packages a command needs when they are missing.
#   ensure_packages WHO PACKAGE…   PACKAGE is redis-server or chromium; WHO prefixes the messages.
# Returns non-zero (after saying why) when apt-get cannot install them.
ensure_packages() {
  local who="$1"; shift
  local missing=() package
  for package in "$@"; do
    case "$package" in
      chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
      *) command -v "$package" >/dev/null 2>&1 || missing+=("$package") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "$who: installing ${missing[*]} with apt-get" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! { $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "$who: apt-get install ${missing[*]} failed (install them by hand, then run again)" >&2
    return 1
  fi
}
