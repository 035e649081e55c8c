#!/bin/bash
# Managed bootstrap: the operator's own join (kubelet TLS bootstrap with a bootstrap token), in the order of
# ACK's node initialization: pre-user-data, init script, kubelet registers, packages, OS config, hardening,
# then user data in parallel with Ready.
# shellcheck disable=SC2154 # the NPO_* settings are defined by the rendered header

# Fetch the cluster CA from the public cluster-info ConfigMap and accept it only if its public key has the
# pinned hash (as `kubeadm join --discovery-token-ca-cert-hash` does).
npo_cluster_ca() {
  local info ca_b64 hash
  mkdir -p /etc/kubernetes/pki
  info=$(curl -sfk --retry 5 --retry-connrefused \
    "${NPO_API_SERVER}/api/v1/namespaces/kube-public/configmaps/cluster-info") || {
    echo "cannot read cluster-info from ${NPO_API_SERVER}"
    return 1
  }
  ca_b64=$(printf '%s' "$info" | grep -o 'certificate-authority-data: [A-Za-z0-9+/=]*' | head -n 1 | cut -d' ' -f2)
  [ -n "$ca_b64" ] || { echo "cluster-info carries no CA"; return 1; }
  printf '%s' "$ca_b64" | base64 -d >/etc/kubernetes/pki/ca.crt || return 1
  hash="sha256:$(openssl x509 -in /etc/kubernetes/pki/ca.crt -noout -pubkey |
    openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)"
  if [ "$hash" != "$NPO_CA_CERT_HASH" ]; then
    echo "the cluster CA's hash ${hash} is not the pinned ${NPO_CA_CERT_HASH}: refusing to join"
    rm -f /etc/kubernetes/pki/ca.crt
    return 1
  fi
  echo "cluster CA verified (${hash})"
}

npo_kubelet_install() {
  local have=""
  have=$(kubelet --version 2>/dev/null | awk '{ print $2 }')
  [ "${have#v}" = "${NPO_KUBERNETES_VERSION#v}" ] && return 0
  case "$NPO_PACKAGE_MANAGER" in
    yum) yum install -y "kubelet-${NPO_KUBERNETES_VERSION#v}" ;;
    apt) apt-get install -y "kubelet=${NPO_KUBERNETES_VERSION#v}*" ;;
    none)
      echo "kubelet ${NPO_KUBERNETES_VERSION} wanted, ${have:-none} present, and this image cannot install packages"
      return 1
      ;;
  esac
}

# kubeReserved from this machine's CPUs and memory by the operator's tiered formula (npo_kube_reserved, rendered
# with the user data); recorded in a marker so the node's reservation policy can be read back.
npo_kube_reserved_config() {
  local cpu_milli mem_mib cpu mem
  cpu_milli=$(($(nproc) * 1000)) || return 1
  mem_mib=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024)) || return 1
  read -r cpu mem <<<"$(npo_kube_reserved "$cpu_milli" "$mem_mib")" || return 1
  printf 'kubeReserved:\n  cpu: %s\n  memory: %s\n' "$cpu" "$mem" >>/var/lib/kubelet/config.yaml
  echo "auto" >/var/lib/nodepool-bootstrap/kube-reserved
}

npo_kubelet_config() {
  local labels
  mkdir -p /etc/kubernetes /var/lib/kubelet /etc/systemd/system/kubelet.service.d
  (
    umask 077
    cat >/etc/kubernetes/bootstrap-kubelet.conf <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    server: ${NPO_API_SERVER}
    certificate-authority: /etc/kubernetes/pki/ca.crt
users:
- name: kubelet-bootstrap
  user:
    token: ${NPO_BOOTSTRAP_TOKEN}
contexts:
- name: bootstrap
  context: {cluster: cluster, user: kubelet-bootstrap}
current-context: bootstrap
KUBECONFIG
  )
  printf '%s\n' "$NPO_KUBELET_CONFIG" >/var/lib/kubelet/config.yaml
  if [ "$NPO_KUBE_RESERVED_AUTO" = true ]; then
    npo_kube_reserved_config || return 1
  fi
  labels="${NPO_LABELS:+${NPO_LABELS},}node.kubernetes.io/instance-type=${INSTANCE_TYPE}"
  labels="${labels},topology.kubernetes.io/region=${REGION_ID},topology.kubernetes.io/zone=${ZONE_ID}"
  cat >/etc/systemd/system/kubelet.service.d/10-nodepool.conf <<UNIT
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
Environment="KUBELET_EXTRA_ARGS=--hostname-override=${NODE_NAME} --provider-id=${PROVIDER_ID} --node-ip=${PRIVATE_IP} --node-labels=${labels}${NPO_TAINTS:+ --register-with-taints=${NPO_TAINTS}}"
UNIT
  npo_bootstrap_cleanup_units
}

# The bootstrap kubeconfig holds the pool's token: once the kubelet has its own client certificate (and
# kubelet.conf), a systemd path unit removes it, so the token is not left on disk for the node's life.
npo_bootstrap_cleanup_units() {
  cat >/etc/systemd/system/npo-bootstrap-cleanup.path <<'UNIT'
[Unit]
Description=Remove the kubelet's bootstrap kubeconfig once it has joined (alicloud-nodepool-operator)

[Path]
PathExists=/var/lib/kubelet/pki/kubelet-client-current.pem

[Install]
WantedBy=multi-user.target
UNIT
  cat >/etc/systemd/system/npo-bootstrap-cleanup.service <<'UNIT'
[Unit]
Description=Remove the kubelet's bootstrap kubeconfig once it has joined (alicloud-nodepool-operator)
ConditionPathExists=/etc/kubernetes/kubelet.conf

[Service]
Type=oneshot
ExecStart=/bin/rm -f /etc/kubernetes/bootstrap-kubelet.conf
UNIT
}

npo_kubelet_start() {
  systemctl daemon-reload && systemctl enable --now kubelet && systemctl enable --now npo-bootstrap-cleanup.path
}

npo_main() {
  npo_init
  npo_markers
  if [ -n "$NPO_PRE_USER_DATA" ]; then
    npo_step pre-user-data npo_run_embedded pre-user-data "$NPO_PRE_USER_DATA" || npo_fail pre-user-data
  fi
  npo_step time-sync npo_time_sync || npo_fail time-sync
  npo_step node-identity npo_identity || npo_fail node-identity
  npo_step data-disk npo_data_disk || npo_fail data-disk
  npo_step container-runtime npo_runtime || npo_fail container-runtime
  npo_step core-addons npo_core_addons || npo_fail core-addons
  npo_step kubelet-install npo_kubelet_install || npo_fail kubelet-install
  npo_step gpu npo_gpu || npo_fail gpu
  npo_step cloud-monitor npo_cloud_monitor || echo "[nodepool-bootstrap] CloudMonitor agent not installed; continuing"
  npo_step cluster-ca npo_cluster_ca || npo_fail cluster-ca
  npo_step kubelet-config npo_kubelet_config || npo_fail kubelet-config
  npo_step kubelet-start npo_kubelet_start || npo_fail kubelet-start
  npo_step base-packages npo_base_packages || echo "[nodepool-bootstrap] base packages incomplete; continuing"
  npo_step os-config npo_os_config || npo_fail os-config
  npo_step hardening npo_hardening || npo_fail hardening
  npo_step user-data npo_user_data_background || npo_fail user-data
  echo "done" >"$NPO_STATE/result"
  echo "[nodepool-bootstrap] bootstrap finished"
}

npo_main
