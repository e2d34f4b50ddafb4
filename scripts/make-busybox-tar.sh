#!/usr/bin/env bash
# Builds a busybox root filesystem tar (no Docker Hub needed): /bin/busybox from busybox-static, a symlink per
# applet, a minimal /etc/passwd and /etc/group. Usage: make-busybox-tar.sh OUT.tar
set -euo pipefail
out=${1:?usage: make-busybox-tar.sh OUT.tar}
[ -s "$out" ] && exit 0
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,root,tmp,var/www,home,usr/bin,usr/sbin,sbin,proc,sys,dev}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
G
tmp="$out.tmp.$$"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$tmp" .
mv "$tmp" "$out"
