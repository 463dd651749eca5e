#!/usr/bin/env bash
# Prints the path of a headless Chromium for the report screenshot test, fetching one when there is none.
#
# 1. A chromium-headless-shell (or chrome-headless-shell, chromium) on PATH is used as it is.
# 2. Otherwise the copy unpacked earlier under tools/.chromium/ (git-ignored) is used.
# 3. Otherwise Debian's chromium-headless-shell and chromium-common are fetched with `apt-get download` and
#    unpacked with `dpkg -x` into tools/.chromium/root, followed by the shared libraries the binary needs that
#    this machine lacks: `ldd` names the missing sonames, the Depends of the packages fetched so far that are
#    not installed are the candidates, and a candidate is kept when its file list holds a missing soname
#    (repeated until nothing is missing). Nothing is installed and nothing needs root: when the machine's apt
#    lists do not know the package, they are refreshed into a private folder under tools/.chromium/.
#
# Version: whatever apt offers as the candidate (today bookworm-security). It is deliberately not pinned:
# Debian keeps only the newest security build on its mirrors, so a pinned version would stop downloading once
# superseded and break CI. The version fetched is logged on stderr and kept in tools/.chromium/packages.txt.
#
# Output: stdout holds only the path to run (the found binary, or tools/.chromium/headless-shell, a wrapper
# setting LD_LIBRARY_PATH); progress and errors go to stderr; exit status 1 with a message when it fails.
set -euo pipefail

tools=$(cd "$(dirname "$0")/.." && pwd)
home="$tools/.chromium"
wrapper="$home/headless-shell"
marker="$home/.complete"
main_package=chromium-headless-shell

log() { echo "ensure-chromium: $*" >&2; }
fail() { log "$*"; exit 1; }

for name in chromium-headless-shell chrome-headless-shell chromium; do
    if found=$(command -v "$name"); then
        log "using $found from PATH"
        echo "$found"
        exit 0
    fi
done
if [[ -f "$marker" && -x "$wrapper" ]]; then
    log "using $wrapper ($(head -n 1 "$home/packages.txt" 2>/dev/null))"
    echo "$wrapper"
    exit 0
fi

for tool in apt-get apt-cache dpkg dpkg-query ldd; do
    command -v "$tool" > /dev/null || fail "no Chromium on PATH and no '$tool' to fetch Debian's $main_package;" \
        "install a headless Chromium (chromium-headless-shell or chromium) on PATH"
done

started=$(date +%s)
rm -rf "$home"
mkdir -p "$home/debs" "$home/root"
apt_options=()

candidate() {
    apt-cache "${apt_options[@]}" policy "$1" 2> /dev/null | awk '/Candidate:/ { print $2 }'
}

version=$(candidate "$main_package")
if [[ -z "$version" || "$version" == "(none)" ]]; then
    log "apt does not know $main_package; refreshing the package lists into $home/apt"
    mkdir -p "$home/apt/lists/partial" "$home/apt/cache/archives/partial"
    apt_options=(-o "Dir::State::Lists=$home/apt/lists" -o "Dir::Cache=$home/apt/cache" -o Debug::NoLocking=1)
    apt-get "${apt_options[@]}" -q update >&2 || fail "apt-get update failed (are the Debian mirrors reachable?)"
    version=$(candidate "$main_package")
    [[ -n "$version" && "$version" != "(none)" ]] \
        || fail "no apt source offers $main_package after apt-get update (mirrors unreachable, see above?" \
            "Debian bookworm or later is needed)"
fi

# Downloads the named packages (candidate versions) into debs/.
download() {
    local output
    output=$(cd "$home/debs" && apt-get "${apt_options[@]}" -q download "$@" 2>&1) \
        || fail "apt-get download $* failed (are the Debian mirrors reachable?): $output"
}

deb_of() {
    local files=("$home/debs/$1"_*.deb)
    [[ -f "${files[0]}" ]] || fail "apt-get download left no .deb for $1"
    echo "${files[0]}"
}

# Packages a package depends on directly (real packages only; virtual ones print as <name>).
depends() {
    apt-cache "${apt_options[@]}" depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances "$1" | awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 !~ /^</ { sub(/:any$/, "", $2); print $2 }'
}

installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2> /dev/null)" == installed ]]
}

kept=()
keep() {
    dpkg -x "$(deb_of "$1")" "$home/root"
    kept+=("$1")
}

library_path() {
    find "$home/root" -name '*.so*' \( -type f -o -type l \) ! -path '*/usr/lib/chromium/*' -printf '%h\n' \
        | sort -u | paste -sd: -
}

# Sonames that the ELF files under root need and neither the machine nor root provides.
missing_sonames() {
    local path
    path=$(library_path)
    find "$home/root" -type f \( -name '*.so*' -o -perm -u+x \) -print0 | while IFS= read -r -d '' file; do
        [[ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
        LD_LIBRARY_PATH="$path" ldd "$file" 2> /dev/null | awk '$2 == "=>" && $3 == "not" { print $1 }'
    done | sort -u
}

log "fetching $main_package $version"
download "$main_package" chromium-common
keep "$main_package"
keep chromium-common
considered=" $main_package chromium-common "
while true; do
    missing=$(missing_sonames)
    [[ -z "$missing" ]] && break
    candidates=()
    for package in "${kept[@]}"; do
        for dependency in $(depends "$package"); do
            [[ "$considered" == *" $dependency "* ]] && continue
            considered+="$dependency "
            installed "$dependency" || candidates+=("$dependency")
        done
    done
    [[ ${#candidates[@]} -gt 0 ]] || fail "no package among the Depends provides the missing libraries:" $missing
    download "${candidates[@]}"
    for package in "${candidates[@]}"; do
        names=$(dpkg -c "$(deb_of "$package")" | awk '{ print $6 }' | sed 's|.*/||')
        for soname in $missing; do
            if grep -qxF "$soname" <<< "$names"; then
                keep "$package"
                break
            fi
        done
    done
done

# Without a fontconfig setup (minimal machines) text would not render; bring DejaVu and a config for it.
fontconfig=""
if [[ ! -f /etc/fonts/fonts.conf ]]; then
    download fonts-dejavu-core
    keep fonts-dejavu-core
    cat > "$home/fonts.conf" << 'EOF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir prefix="relative">root/usr/share/fonts</dir><cachedir prefix="relative">fontcache</cachedir></fontconfig>
EOF
    fontconfig='export FONTCONFIG_FILE="$here/fonts.conf"'
fi

binary="$home/root/usr/lib/chromium/$main_package"
[[ -x "$binary" ]] || fail "$main_package $version has no $binary"
relative_path=$(library_path | sed "s|$home/|\$here/|g")
cat > "$wrapper" << EOF
#!/bin/sh
# Written by tools/chromium/ensure.sh: runs the unpacked $main_package $version with its libraries.
here=\$(dirname "\$(readlink -f "\$0")")
export LD_LIBRARY_PATH="$relative_path\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
$fontconfig
exec "\$here/root/usr/lib/chromium/$main_package" "\$@"
EOF
chmod +x "$wrapper"

{
    echo "$main_package $version"
    for package in "${kept[@]}"; do
        deb=$(deb_of "$package")
        echo "$(basename "$deb") $(stat -c %s "$deb")"
    done
} > "$home/packages.txt"
total=$(for package in "${kept[@]}"; do stat -c %s "$(deb_of "$package")"; done | awk '{ s += $1 } END { printf "%.1f", s / 1048576 }')
rm -rf "$home/debs" "$home/apt"
touch "$marker"
log "fetched ${#kept[@]} packages, $total MiB, in $(($(date +%s) - started)) s: ${kept[*]}"
echo "$wrapper"
