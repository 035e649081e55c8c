#!/bin/bash
# Functions shared by the Managed and External bootstrap scripts. The renderer places the pool's settings
# (NPO_* variables) above this file and one of managed.sh / external.sh below it.
# shellcheck disable=SC2154 # the NPO_* settings are defined by the rendered header

NPO_LOG=/var/log/cloud-init-output.log
NPO_STATE=/var/lib/nodepool-bootstrap
NPO_METADATA=http://100.100.100.200/latest
NPO_MD_TOKEN=""

npo_init() {
  umask 022
  mkdir -p "$NPO_STATE" /var/log
  # Everything the script prints goes to the cloud-init output log as well (as on ECS, where cloud-init
  # captures it too).
  exec >>"$NPO_LOG" 2>&1
  echo "[nodepool-bootstrap] pool ${NPO_POOL} of cluster ${NPO_CLUSTER_ID}: ${NPO_MODE} bootstrap starting"
}

# Milliseconds since the epoch, without a fork where bash has EPOCHREALTIME (5.0+; Alibaba Cloud Linux 3 has 4.4).
npo_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}
    printf '%s\n' "$((t / 1000))"
  else
    date +%s%3N
  fi
}

# npo_step NAME COMMAND... : runs COMMAND, logging start, end, duration and result; records the step name
# in $NPO_STATE/step so the last step reached is known when a node never registers.
npo_step() {
  local name=$1 start rc
  shift
  start=$(npo_ms)
  printf '%s\n' "$name" >"$NPO_STATE/step"
  echo "[nodepool-bootstrap] step ${name}: start"
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "[nodepool-bootstrap] step ${name}: done in $(($(npo_ms) - start)) ms"
  else
    echo "[nodepool-bootstrap] step ${name}: FAILED (exit ${rc}) after $(($(npo_ms) - start)) ms"
  fi
  return "$rc"
}

npo_fail() {
  echo "[nodepool-bootstrap] bootstrap failed at step $1; the node will not join"
  printf 'failed:%s\n' "$1" >"$NPO_STATE/result"
  exit 1
}

# npo_metadata PATH : one value from the instance metadata service (token mode, which works whether or not
# the pool requires tokens).
npo_metadata() {
  if [ -z "$NPO_MD_TOKEN" ]; then
    NPO_MD_TOKEN=$(curl -sf --retry 5 --retry-connrefused -X PUT \
      -H 'X-aliyun-ecs-metadata-token-ttl-seconds: 21600' "${NPO_METADATA}/api/token") || NPO_MD_TOKEN=""
  fi
  curl -sf --retry 5 --retry-connrefused -H "X-aliyun-ecs-metadata-token: ${NPO_MD_TOKEN}" \
    "${NPO_METADATA}/meta-data/$1"
}

npo_markers() {
  [ "$NPO_SKIP_AUTO_FDISK" = true ] && touch /var/.skip-auto-fdisk
  [ "$NPO_KEEP_CONTAINER_DATA" = true ] && touch /var/.keep-container-data
  [ "$NPO_SKIP_YUM" = true ] && touch /var/.skip-yum
  [ "$NPO_SKIP_SECURITY_FIX" = true ] && touch /var/.skip-security-fix
  return 0
}

# npo_run_embedded NAME CONTENT : writes a script the pool carries and runs it.
npo_run_embedded() {
  local file="${NPO_STATE}/$1.sh"
  printf '%s\n' "$2" >"$file"
  chmod 700 "$file"
  bash "$file"
}

npo_identity() {
  INSTANCE_ID=$(npo_metadata instance-id) || return 1
  REGION_ID=$(npo_metadata region-id) || return 1
  ZONE_ID=$(npo_metadata zone-id) || return 1
  PRIVATE_IP=$(npo_metadata private-ipv4) || return 1
  INSTANCE_TYPE=$(npo_metadata instance/instance-type) || return 1
  PROVIDER_ID="${REGION_ID}.${INSTANCE_ID}"
  if [ -n "$NPO_NAME_PREFIX" ]; then
    NODE_NAME=$(printf '%s%s%s' "$NPO_NAME_PREFIX" "$PRIVATE_IP" "$NPO_NAME_SUFFIX" | tr '[:upper:]' '[:lower:]')
    hostnamectl set-hostname "$NODE_NAME" || return 1
  else
    NODE_NAME="${REGION_ID}.${PRIVATE_IP}"
  fi
  printf 'NODE_NAME=%s\nPROVIDER_ID=%s\nINSTANCE_ID=%s\nREGION_ID=%s\nZONE_ID=%s\nPRIVATE_IP=%s\nINSTANCE_TYPE=%s\n' \
    "$NODE_NAME" "$PROVIDER_ID" "$INSTANCE_ID" "$REGION_ID" "$ZONE_ID" "$PRIVATE_IP" "$INSTANCE_TYPE" \
    >"$NPO_STATE/identity"
  echo "node ${NODE_NAME}, provider id ${PROVIDER_ID}, ${INSTANCE_TYPE} in ${ZONE_ID}"
}

npo_time_sync() {
  systemctl enable --now chronyd
}

# The data disk: the last one in lexicographic order, NVMe disks first, never the system disk. It is
# formatted and mounted on /var/lib/container; /var/lib/kubelet and /var/lib/containerd are bind-mounted
# into it. /var/.skip-auto-fdisk skips all of this; /var/.keep-container-data copies what the runtime
# directories already hold onto the new disk first.
npo_data_disk() {
  if [ -e /var/.skip-auto-fdisk ]; then
    echo "/var/.skip-auto-fdisk present: the data disk is left alone"
    return 0
  fi
  if findmnt /var/lib/container >/dev/null 2>&1; then
    echo "/var/lib/container is already mounted"
    return 0
  fi
  local root_source root_disk disk uuid d
  local -a disks=() nvme=() others=()
  root_source=$(findmnt -no SOURCE /) || return 1
  root_disk=$(lsblk -no PKNAME "$root_source") || return 1
  mapfile -t disks < <(lsblk -dnpo NAME,TYPE | awk '$2 == "disk" { print $1 }' | LC_ALL=C sort)
  for d in "${disks[@]}"; do
    [ "${d##*/}" = "$root_disk" ] && continue
    case "$d" in
      /dev/nvme*) nvme+=("$d") ;;
      *) others+=("$d") ;;
    esac
  done
  if [ "${#nvme[@]}" -gt 0 ]; then
    disk=${nvme[-1]}
  elif [ "${#others[@]}" -gt 0 ]; then
    disk=${others[-1]}
  else
    if [ "$NPO_DATA_DISKS" -gt 0 ]; then
      echo "the pool has ${NPO_DATA_DISKS} data disk(s) but none is attached"
      return 1
    fi
    echo "no data disk"
    return 0
  fi
  echo "formatting data disk ${disk}"
  mkfs.ext4 -F -q "$disk" || return 1
  uuid=$(blkid -s UUID -o value "$disk") || return 1
  mkdir -p /var/lib/container
  grep -q "^UUID=${uuid} " /etc/fstab 2>/dev/null ||
    echo "UUID=${uuid} /var/lib/container ext4 defaults,nofail 0 2" >>/etc/fstab
  mount /var/lib/container || return 1
  for d in kubelet containerd; do
    mkdir -p "/var/lib/container/${d}" "/var/lib/${d}"
    if [ -e /var/.keep-container-data ]; then
      echo "/var/.keep-container-data present: copying /var/lib/${d}"
      cp -a "/var/lib/${d}/." "/var/lib/container/${d}/" || return 1
    fi
    grep -q "^/var/lib/container/${d} " /etc/fstab ||
      echo "/var/lib/container/${d} /var/lib/${d} none defaults,bind,nofail 0 0" >>/etc/fstab
    mount --bind "/var/lib/container/${d}" "/var/lib/${d}" || return 1
  done
}

npo_runtime() {
  local have=""
  have=$(containerd --version 2>/dev/null | awk '{ print $3 }')
  have=${have#v}
  if [ "$have" != "$NPO_RUNTIME_VERSION" ]; then
    case "$NPO_PACKAGE_MANAGER" in
      yum) yum install -y "containerd-${NPO_RUNTIME_VERSION}" || return 1 ;;
      apt) apt-get install -y "containerd=${NPO_RUNTIME_VERSION}*" || return 1 ;;
      none)
        echo "containerd ${NPO_RUNTIME_VERSION} wanted, ${have:-none} present, and this image cannot install packages"
        return 1
        ;;
    esac
  fi
  mkdir -p /etc/containerd
  if [ ! -f /etc/containerd/config.toml ]; then
    cat >/etc/containerd/config.toml <<'TOML'
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
TOML
  fi
  systemctl enable --now containerd
}

# What every node needs before the kubelet: kernel modules and sysctls for pod networking, crictl's socket.
npo_core_addons() {
  modprobe overlay && modprobe br_netfilter || return 1
  mkdir -p /etc/modules-load.d /etc/sysctl.d /etc/cni/net.d
  printf 'overlay\nbr_netfilter\n' >/etc/modules-load.d/nodepool-k8s.conf
  printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n' \
    >/etc/sysctl.d/10-nodepool-k8s.conf
  sysctl -p /etc/sysctl.d/10-nodepool-k8s.conf || return 1
  printf 'runtime-endpoint: unix:///run/containerd/containerd.sock\n' >/etc/crictl.yaml
}

npo_is_gpu_type() {
  case "$1" in
    ecs.gn* | ecs.vgn* | ecs.sgn* | ecs.ebmgn*) return 0 ;;
    *) return 1 ;;
  esac
}

npo_gpu() {
  if ! npo_is_gpu_type "$INSTANCE_TYPE"; then
    echo "${INSTANCE_TYPE} has no GPU"
    return 0
  fi
  case "$NPO_PACKAGE_MANAGER" in
    yum) yum install -y nvidia-driver nvidia-container-toolkit || return 1 ;;
    apt) apt-get install -y nvidia-driver nvidia-container-toolkit || return 1 ;;
    none) command -v nvidia-smi >/dev/null || { echo "no NVIDIA driver on this image"; return 1; } ;;
  esac
  nvidia-ctk runtime configure --runtime=containerd || return 1
  systemctl restart containerd || return 1
  mkdir -p /etc/kubernetes/manifests
  cat >/etc/kubernetes/manifests/nvidia-device-plugin.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: nvidia-device-plugin
  namespace: kube-system
spec:
  priorityClassName: system-node-critical
  tolerations: [{operator: Exists}]
  containers:
    - name: nvidia-device-plugin
      image: nvcr.io/nvidia/k8s-device-plugin:v0.17.0
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
      volumeMounts: [{name: device-plugin, mountPath: /var/lib/kubelet/device-plugins}]
  volumes: [{name: device-plugin, hostPath: {path: /var/lib/kubelet/device-plugins}}]
YAML
}

npo_cloud_monitor() {
  [ "$NPO_CLOUD_MONITOR" = true ] || return 0
  # https only (redirects included): the installer runs as root
  local url="https://cms-agent-${REGION_ID}.oss-${REGION_ID}-internal.aliyuncs.com/Argus/agent_install_ecs-1.7.sh"
  curl -fsSL --proto =https --proto-redir =https --retry 3 "$url" -o "${NPO_STATE}/cloudmonitor-install.sh" || return 1
  REGION_ID="$REGION_ID" bash "${NPO_STATE}/cloudmonitor-install.sh"
}

npo_base_packages() {
  if [ -e /var/.skip-yum ]; then
    echo "/var/.skip-yum present: no packages installed, no security fixes"
    return 0
  fi
  case "$NPO_PACKAGE_MANAGER" in
    yum)
      yum install -y pigz container-selinux zlib || return 1
      if [ -e /var/.skip-security-fix ]; then
        echo "/var/.skip-security-fix present: no security fixes"
      else
        yum update-minimal --exclude 'kernel*' --security -y || return 1
      fi
      ;;
    apt) apt-get install -y pigz zlib1g || return 1 ;;
    none) echo "no package manager on this image (read-only root)" ;;
  esac
}

npo_os_config() {
  [ -n "$NPO_SYSCTLS" ] || return 0
  mkdir -p /etc/sysctl.d
  printf '%s\n' "$NPO_SYSCTLS" >/etc/sysctl.d/99-nodepool-osconfig.conf
  sysctl -p /etc/sysctl.d/99-nodepool-osconfig.conf
}

npo_hardening() {
  [ "$NPO_HARDENING" = Disabled ] && return 0
  mkdir -p /etc/sysctl.d /etc/ssh/sshd_config.d
  cat >/etc/sysctl.d/98-nodepool-hardening.conf <<'CONF'
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
fs.suid_dumpable = 0
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.all.accept_source_route = 0
net.ipv4.conf.all.log_martians = 1
CONF
  sysctl -p /etc/sysctl.d/98-nodepool-hardening.conf || return 1
  printf 'PermitEmptyPasswords no\nMaxAuthTries 4\nClientAliveInterval 600\n' \
    >/etc/ssh/sshd_config.d/50-nodepool-hardening.conf
  if [ "$NPO_HARDENING" = MLPS ]; then
    # China's MLPS 2.0 level 3 baseline: password quality and ageing, lockout, idle logout, auditing.
    mkdir -p /etc/security/pwquality.conf.d /etc/profile.d
    printf 'minlen = 8\nminclass = 3\n' >/etc/security/pwquality.conf.d/50-nodepool-mlps.conf
    printf 'deny = 5\nunlock_time = 300\n' >/etc/security/faillock.conf
    if [ -f /etc/login.defs ]; then
      sed -i -E 's/^PASS_MAX_DAYS[[:space:]]+.*/PASS_MAX_DAYS   90/' /etc/login.defs
      grep -q '^PASS_MAX_DAYS' /etc/login.defs || echo 'PASS_MAX_DAYS   90' >>/etc/login.defs
    else
      echo 'PASS_MAX_DAYS   90' >/etc/login.defs
    fi
    printf 'TMOUT=900\nreadonly TMOUT\nexport TMOUT\n' >/etc/profile.d/nodepool-mlps.sh
    systemctl enable --now auditd || return 1
  fi
  systemctl reload sshd || true
}

# The pool's userData runs after the kubelet has started, in the background: the node becomes Ready in
# parallel, whatever the script does. Its output and exit status go to the cloud-init output log.
npo_user_data_background() {
  [ -n "$NPO_USER_DATA" ] || return 0
  printf '%s\n' "$NPO_USER_DATA" >"${NPO_STATE}/user-data.sh"
  chmod 700 "${NPO_STATE}/user-data.sh"
  (
    bash "${NPO_STATE}/user-data.sh"
    rc=$?
    echo "[nodepool-bootstrap] user data exited with status ${rc}"
    echo "$rc" >"${NPO_STATE}/user-data.exit"
  ) >>"$NPO_LOG" 2>&1 &
  echo "user data started in the background (pid $!)"
}
