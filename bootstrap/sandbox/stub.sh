#!/bin/bash
# The stand-in for a system command inside the bootstrap sandbox (installed under each command's name).
# It records the call, then behaves as the sandbox's configuration says. State lives in $NPO_SANDBOX.
set -u
state=${NPO_SANDBOX:?}
cmd=${0##*/}
original=("$@")
{
  printf '%s\x1f' "$cmd" "$@"
  printf '\x1e'
} >>"$state/calls"

if [ -f "$state/fail/$cmd" ]; then
  echo "$cmd: failing as configured" >&2
  exit "$(cat "$state/fail/$cmd")"
fi

system_disk() { cat "$state/system-disk"; }
partition() { case "$1" in *[0-9]) printf '%sp1' "$1" ;; *) printf '%s1' "$1" ;; esac; }

case "$cmd" in
  curl)
    url="" out="" method=GET
    while [ $# -gt 0 ]; do
      case "$1" in
        -o) out=$2; shift ;;
        -X) method=$2; shift ;;
        -H | --retry | --connect-timeout | --max-time) shift ;;
        http://* | https://*) url=$1 ;;
      esac
      shift
    done
    # the cluster's own API server is reached for real (the sandbox then shares the host's loopback)
    if [ -f "$state/passthrough" ]; then
      while read -r prefix; do
        case "$url" in "$prefix"*) exec /usr/bin/curl "${original[@]}" ;; esac
      done <"$state/passthrough"
    fi
    # answers are stored under the method and URL with every character outside [A-Za-z0-9.-] made "_"
    key="${method}_${url}"
    key=${key//[^A-Za-z0-9.-]/_}
    if [ ! -f "$state/http/$key" ]; then
      key="ANY_${url}"
      key=${key//[^A-Za-z0-9.-]/_}
    fi
    if [ ! -f "$state/http/$key" ]; then
      echo "curl: (7) Failed to connect to ${url}" >&2
      exit 7
    fi
    if [ -n "$out" ]; then cat "$state/http/$key" >"$out"; else cat "$state/http/$key"; fi
    ;;
  lsblk)
    case " $* " in
      *" -dnpo NAME,TYPE "*) awk '{ print $1 " disk" }' "$state/disks" ;;
      *PKNAME*) basename "$(system_disk)" ;;
      *) cat "$state/disks" ;;
    esac
    ;;
  findmnt)
    if [ "${1:-}" = -no ] && [ "${2:-}" = SOURCE ] && [ "${3:-}" = / ]; then
      partition "$(system_disk)"
      echo
    else
      grep -qxF -- "${!#}" "$state/mounts" 2>/dev/null || exit 1
    fi
    ;;
  mount)
    target=${!#}
    [ "$target" = -a ] || printf '%s\n' "$target" >>"$state/mounts"
    ;;
  blkid)
    dev=${!#}
    printf '%s' "$dev" | sha256sum | sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/'
    ;;
  containerd | kubelet | nvidia-smi)
    if [ ! -f "$state/installed/$cmd" ]; then
      echo "bash: $cmd: command not found" >&2
      exit 127
    fi
    version=$(cat "$state/installed/$cmd")
    case "$cmd" in
      containerd) echo "containerd github.com/containerd/containerd v${version} 0000000" ;;
      kubelet) echo "Kubernetes v${version}" ;;
      nvidia-smi) echo "NVIDIA-SMI ${version}" ;;
    esac
    ;;
  yum | apt-get)
    # installing a package makes its command available at the version asked for
    for arg in "$@"; do
      case "$arg" in
        containerd-* | containerd=*) v=${arg#containerd?}; echo "${v%\*}" >"$state/installed/containerd" ;;
        kubelet-* | kubelet=*) v=${arg#kubelet?}; echo "${v%\*}" >"$state/installed/kubelet" ;;
        nvidia-driver) echo "550.0" >"$state/installed/nvidia-smi" ;;
      esac
    done
    ;;
  kubeadm)
    if [ "${1:-}" = join ]; then
      mkdir -p /etc/kubernetes
      echo "# kubelet credentials written by kubeadm join" >/etc/kubernetes/kubelet.conf
    fi
    ;;
  *) ;;
esac
exit 0
