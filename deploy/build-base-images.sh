#!/usr/bin/env bash
# build-base-images.sh: the local base images the JVM and RabbitMQ images build FROM.
#
# There is no container registry, so nothing can be pulled. Each base is a Debian root file
# system made from Debian packages and loaded with `docker import`:
#
#   goblog/base-jre:17                openjdk-17-jre-headless
#   goblog/base-rabbitmq:3.10         rabbitmq-server (Erlang 25), Debian bookworm's 3.10.x
#   goblog/base-postgres:15           postgresql-15, Debian bookworm's PostgreSQL 15.x
#   goblog/base-prometheus:2.42       prometheus (server, promtool, the classic web UI and the
#                                     JavaScript libraries of its console templates), bookworm's 2.42.x
#
# One `debootstrap --variant=minbase` root is made once and copied for each base; the
# packages (with bookworm-updates and bookworm-security when the machine's apt sources name
# them) are installed into the copy with apt-get in a chroot, then docs, caches and apt lists are
# dropped. Reuse, fastest first: an image whose recipe label matches is kept as it is; a finished
# root in the cache is imported again; otherwise the root is built.
#
# Usage: deploy/build-base-images.sh [jre|rabbitmq|postgres|prometheus]...   (default: all four)
# Environment:
#   GOBLOG_BASE_CACHE   cache of roots (default /var/cache/goblog/base)
#   DEBIAN_MIRROR       Debian mirror (default: read from /etc/apt/sources.list{,.d/*})
#   DEBIAN_SECURITY     security mirror (default: read the same way; none if not found)
#   FORCE=1             rebuild roots and images even when cached
# Needs root on Debian (debootstrap, chroot); installs debootstrap when it is missing.
set -euo pipefail

SUITE=bookworm
CACHE=${GOBLOG_BASE_CACHE:-/var/cache/goblog/base}
FORCE=${FORCE:-0}
# Bump when the way a root is made changes, so cached roots and images are rebuilt.
RECIPE_VERSION=2

JRE_TAG=goblog/base-jre:17
JRE_PACKAGES="openjdk-17-jre-headless"
RABBITMQ_SERIES=3.10
RABBITMQ_TAG=goblog/base-rabbitmq:$RABBITMQ_SERIES
RABBITMQ_PACKAGES="rabbitmq-server"
POSTGRES_MAJOR=15
POSTGRES_TAG=goblog/base-postgres:$POSTGRES_MAJOR
# The server alone: postgresql-15 brings the client tools (psql, pg_dump, pg_isready) it depends
# on; not the postgresql metapackage (its recommends are off anyway).
POSTGRES_PACKAGES="postgresql-$POSTGRES_MAJOR"
# Prometheus: the package alone (its recommended node exporter is off with the recommends); its
# dependencies are the libjs-* packages the classic UI and the console templates load.
PROMETHEUS_SERIES=2.42
PROMETHEUS_TAG=goblog/base-prometheus:$PROMETHEUS_SERIES
PROMETHEUS_PACKAGES="prometheus"

log() { printf 'build-base-images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_entries prints "URI SUITE" for every enabled deb entry in the machine's apt sources,
# one-line (.list) and deb822 (.sources) formats alike.
apt_entries() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && enabled != "no")
                    for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
                types = ""; enabled = ""; nu = 0; ns = 0
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
                if (key == "types") types = $0
                else if (key == "enabled") enabled = tolower($0)
                else if (key == "uris") nu = split($0, u, " ")
                else if (key == "suites") ns = split($0, s, " ")
            }
            END { flush() }' "$f"
    done
}

mirror_for() { # mirror_for SUITE: the first URI that serves that suite
    apt_entries | awk -v want="$1" '$2 == want { print $1; exit }'
}

MIRROR=${DEBIAN_MIRROR:-$(mirror_for "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY-$(mirror_for "$SUITE-security")}

recipe() { # recipe NAME PACKAGES: a fingerprint of what goes into a root
    printf '%s|%s|%s|%s|%s\n' "$RECIPE_VERSION" "$SUITE" "$1" "$2" "$SECURITY" | sha256sum | cut -c1-16
}

need_tools() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap and chroot)"
    docker info >/dev/null 2>&1 || die "no Docker engine answers: run deploy/ensure-docker.sh first"
    if ! command -v debootstrap >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and this is not Debian"
        export DEBIAN_FRONTEND=noninteractive
        apt-cache policy debootstrap 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
        log "apt-get install debootstrap"
        apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    fi
}

# Mounts made inside a root are undone on any exit.
MOUNTED=()
cleanup() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTED[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT

mount_in() { # mount_in ROOT: /proc, /sys and /dev/pts for maintainer scripts (Java needs /proc)
    mount -t proc proc "$1/proc" && MOUNTED+=("$1/proc")
    mount -t sysfs sysfs "$1/sys" && MOUNTED+=("$1/sys")
    mkdir -p "$1/dev/pts"
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts" && MOUNTED+=("$1/dev/pts")
}
unmount_in() {
    umount "$1/dev/pts" "$1/sys" "$1/proc"
    MOUNTED=()
}

# remove_root DIR...: delete roots safely, even ones left with mounts by an interrupted run.
remove_root() {
    local d
    for d in "$@"; do
        [[ -e $d ]] || continue
        awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
        rm -rf --one-file-system "$d"
    done
}

in_root() { # in_root ROOT CMD...: run a command in the chroot with a clean environment
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# minbase makes the shared `debootstrap --variant=minbase` root once (FORCE=1: once per run).
MINBASE_FRESH=0
minbase() {
    local dir=$CACHE/roots/minbase
    local want
    want=$(recipe minbase "")
    if [[ ($FORCE != 1 || $MINBASE_FRESH == 1) && -f $dir/.goblog-recipe && $(cat "$dir/.goblog-recipe") == "$want" ]]; then
        return
    fi
    remove_root "$dir" "$dir.tmp"
    mkdir -p "$CACHE/roots" "$CACHE/debs"
    log "debootstrap --variant=minbase $SUITE from $MIRROR"
    local start=$SECONDS
    debootstrap --variant=minbase --cache-dir="$CACHE/debs" "$SUITE" "$dir.tmp" "$MIRROR" \
        >"$CACHE/debootstrap.log" 2>&1 || {
        tail -n 20 "$CACHE/debootstrap.log" >&2
        die "debootstrap failed (log: $CACHE/debootstrap.log)"
    }
    echo "$want" >"$dir.tmp/.goblog-recipe"
    mv "$dir.tmp" "$dir"
    MINBASE_FRESH=1
    log "minbase root ready in $((SECONDS - start))s ($(du -sh "$dir" | cut -f1))"
}

# make_root NAME PACKAGES: copy minbase to roots/NAME and install PACKAGES into it.
make_root() {
    local name=$1 packages=$2
    local dir=$CACHE/roots/$name
    local tmp=$dir.tmp
    local start=$SECONDS
    minbase
    remove_root "$tmp"
    cp -a "$CACHE/roots/minbase" "$tmp"

    # Apt sources: the mirror debootstrap used, plus updates and security fixes when known.
    {
        echo "deb $MIRROR $SUITE main"
        echo "deb $MIRROR $SUITE-updates main"
        [[ -z $SECURITY ]] || echo "deb $SECURITY $SUITE-security main"
    } >"$tmp/etc/apt/sources.list"
    # Container conventions: no services started by maintainer scripts, no recommends, no docs.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$tmp/etc/apt/apt.conf.d/90goblog-no-recommends"
    cat >"$tmp/etc/dpkg/dpkg.cfg.d/90goblog-no-docs" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    if [[ $name == prometheus ]]; then
        # Kept past the excludes: the console libraries, moved into /etc/prometheus below.
        echo 'path-include /usr/share/doc/prometheus/examples/console_libraries/*' \
            >>"$tmp/etc/dpkg/dpkg.cfg.d/90goblog-no-docs"
    fi
    cp /etc/resolv.conf "$tmp/etc/resolv.conf"

    mount_in "$tmp"
    log "$name: apt-get install $packages"
    local pkgs
    read -ra pkgs <<<"$packages"
    {
        in_root "$tmp" apt-get update -qq &&
            in_root "$tmp" apt-get dist-upgrade -y -qq &&
            in_root "$tmp" apt-get install -y -qq "${pkgs[@]}" &&
            in_root "$tmp" apt-get clean
    } >"$CACHE/$name.apt.log" 2>&1 || {
        tail -n 20 "$CACHE/$name.apt.log" >&2
        die "$name: installing packages failed (log: $CACHE/$name.apt.log)"
    }
    unmount_in "$tmp"
    if [[ $name == postgres ]]; then
        # The package's own cluster (made by its maintainer script) is not the image's: the
        # container makes its cluster on its volume at first start (postgres-entrypoint.sh).
        in_root "$tmp" pg_dropcluster "$POSTGRES_MAJOR" main >/dev/null 2>&1 || true
        rm -rf "$tmp/var/lib/postgresql/$POSTGRES_MAJOR/main"
    fi
    if [[ $name == prometheus ]]; then
        local pv
        # shellcheck disable=SC2016 # dpkg-query's own format syntax
        pv=$(chroot "$tmp" dpkg-query -W -f '${Version}' prometheus)
        [[ $pv == "$PROMETHEUS_SERIES".* ]] || die "prometheus $pv is not $PROMETHEUS_SERIES.x: update PROMETHEUS_SERIES"
        # The console libraries (prom.lib, menu.lib) ship as examples under /usr/share/doc, which
        # the shrink below empties: they go where --web.console.libraries points first.
        cp -a "$tmp/usr/share/doc/prometheus/examples/console_libraries/." "$tmp/etc/prometheus/console_libraries/"
        rm -rf "$tmp/usr/share/doc/prometheus/examples"
        # moment-timezone's data/ (212 MB of per-zone files) is not loaded by anything: the UI
        # loads the 1 MB moment-timezone-with-data.min.js beside it.
        rm -rf "$tmp/usr/share/javascript/moment-timezone/data"
        rm -rf "$tmp/var/lib/prometheus/metrics2"
    fi
    if [[ $name == rabbitmq ]]; then
        local v
        # shellcheck disable=SC2016 # dpkg-query's own format syntax
        v=$(chroot "$tmp" dpkg-query -W -f '${Version}' rabbitmq-server)
        [[ $v == "$RABBITMQ_SERIES".* ]] || die "rabbitmq-server $v is not $RABBITMQ_SERIES.x: update RABBITMQ_SERIES"
    fi

    # Shrink: what minbase brought before the excludes, caches, lists and logs.
    find "$tmp/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$tmp/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$tmp"/usr/share/{man,info,lintian}/* "$tmp"/var/lib/apt/lists/* \
        "$tmp"/var/cache/apt/*.bin "$tmp"/var/cache/debconf/*-old "$tmp"/var/lib/dpkg/*-old \
        "$tmp"/var/log/apt/* "$tmp"/var/log/*.log "$tmp"/tmp/* "$tmp"/root/.cache
    find "$tmp/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    # A cookie made now would be the same in every container: each makes its own at first start.
    rm -f "$tmp/var/lib/rabbitmq/.erlang.cookie"
    : >"$tmp/etc/resolv.conf"
    : >"$tmp/etc/hostname"

    recipe "$name" "$packages" >"$tmp/.goblog-recipe"
    remove_root "$dir"
    mv "$tmp" "$dir"
    log "$name: root ready in $((SECONDS - start))s ($(du -sh --exclude=.goblog-recipe "$dir" | cut -f1))"
}

image_recipe() { docker image inspect --format '{{index .Config.Labels "goblog.base.recipe"}}' "$1" 2>/dev/null || true; }

# base NAME TAG PACKAGES IMPORT-CHANGES...: make sure image TAG exists and matches the recipe.
base() {
    local name=$1 tag=$2 packages=$3
    shift 3
    local want dir=$CACHE/roots/$name
    want=$(recipe "$name" "$packages")
    if [[ $FORCE != 1 && $(image_recipe "$tag") == "$want" ]]; then
        log "$tag: present, reused"
        return
    fi
    if [[ $FORCE == 1 || ! -f $dir/.goblog-recipe || $(cat "$dir/.goblog-recipe") != "$want" ]]; then
        make_root "$name" "$packages"
    else
        log "$name: reusing the cached root $dir"
    fi
    local start=$SECONDS changes=() c
    for c in "$@" "LABEL goblog.base.recipe=$want" "LABEL org.opencontainers.image.base.name=debian:$SUITE"; do
        changes+=(--change "$c")
    done
    tar --numeric-owner --exclude=./.goblog-recipe -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
    log "$tag: imported in $((SECONDS - start))s, $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}')"
}

main() {
    local targets=("$@")
    ((${#targets[@]})) || targets=(jre rabbitmq postgres prometheus)
    need_tools
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9 # one build at a time
    log "mirror $MIRROR${SECURITY:+, security $SECURITY}"
    local t
    for t in "${targets[@]}"; do
        case $t in
        jre)
            base jre17 "$JRE_TAG" "$JRE_PACKAGES" \
                'ENV LANG=C.UTF-8' "ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)" 'CMD ["java", "-version"]'
            ;;
        rabbitmq)
            base rabbitmq "$RABBITMQ_TAG" "$RABBITMQ_PACKAGES" \
                'ENV LANG=C.UTF-8' 'CMD ["rabbitmq-server"]'
            ;;
        postgres)
            base postgres "$POSTGRES_TAG" "$POSTGRES_PACKAGES" \
                'ENV LANG=C.UTF-8' "ENV PATH=/usr/lib/postgresql/$POSTGRES_MAJOR/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
                'CMD ["postgres", "--version"]'
            ;;
        prometheus)
            base prometheus "$PROMETHEUS_TAG" "$PROMETHEUS_PACKAGES" \
                'ENV LANG=C.UTF-8' 'CMD ["prometheus", "--version"]'
            ;;
        *) die "unknown base '$t' (jre, rabbitmq, postgres, prometheus)" ;;
        esac
    done
}

main "$@"
