#!/bin/bash
# External bootstrap (registered / self-managed clusters): the user's own script joins the node with their
# kubeadm join command. This wrapper gives it what the cluster needs to recognise the node
# (ALIBABA_CLOUD_PROVIDER_ID, _NODE_NAME, _LABELS, _TAINTS) and writes the kubelet flags, idempotently,
# before anything joins: labels and taints only take effect at registration.
# shellcheck disable=SC2154 # the NPO_* settings are defined by the rendered header

# The kubelet flags this pool owns. Any other flag already in the file is kept as it is.
NPO_OWNED_FLAGS="--node-labels --register-with-taints --hostname-override --provider-id --node-ip"

# The identity of one item of a comma list: a label's key, or a taint's key and effect.
npo_item_key() {
  local kind=$1 item=$2 key
  if [ "$kind" = labels ]; then
    printf '%s' "${item%%=*}"
  else
    key=${item%%=*}
    printf '%s' "${key%%:*}:${item##*:}"
  fi
}

# npo_merge_list labels|taints EXISTING OURS : comma lists merged by item identity; existing items we set
# are dropped, ours come last. The same inputs always give the same output, so a second run changes nothing.
npo_merge_list() {
  local kind=$1 existing=$2 ours=$3 item key out=""
  local -A mine=()
  local -a items=()
  IFS=, read -ra items <<<"$ours"
  for item in "${items[@]}"; do mine["$(npo_item_key "$kind" "$item")"]=1; done
  IFS=, read -ra items <<<"$existing"
  for item in "${items[@]}"; do
    [ -n "$item" ] || continue
    key=$(npo_item_key "$kind" "$item")
    [ -z "${mine[$key]:-}" ] && out="${out:+${out},}${item}"
  done
  printf '%s' "${out:+${out}${ours:+,}}${ours}"
}

# The merged KUBELET_EXTRA_ARGS for an existing value: flags we do not own kept in place, ours replaced.
npo_extra_args() {
  local current=$1 arg flag old_labels="" old_taints=""
  local -a words=() kept=()
  read -ra words <<<"$current"
  for arg in "${words[@]}"; do
    flag=${arg%%=*}
    case "$flag" in
      --node-labels) old_labels=${arg#*=} ;;
      --register-with-taints) old_taints=${arg#*=} ;;
    esac
    case " ${NPO_OWNED_FLAGS} " in
      *" ${flag} "*) ;;
      *) kept+=("$arg") ;;
    esac
  done
  kept+=("--hostname-override=${ALIBABA_CLOUD_NODE_NAME}" "--provider-id=${ALIBABA_CLOUD_PROVIDER_ID}"
    "--node-ip=${PRIVATE_IP}" "--node-labels=$(npo_merge_list labels "$old_labels" "$ALIBABA_CLOUD_LABELS")")
  local taints
  taints=$(npo_merge_list taints "$old_taints" "$ALIBABA_CLOUD_TAINTS")
  [ -n "$taints" ] && kept+=("--register-with-taints=${taints}")
  printf '%s' "${kept[*]}"
}

npo_kubelet_flags() {
  local file=/etc/sysconfig/kubelet current="" merged
  mkdir -p /etc/sysconfig /etc/systemd/system/kubelet.service.d
  if [ -f "$file" ]; then
    current=$(grep -E '^KUBELET_EXTRA_ARGS=' "$file" | tail -n 1)
    current=${current#KUBELET_EXTRA_ARGS=}
    current=${current#\"}
    current=${current%\"}
  fi
  merged=$(npo_extra_args "$current")
  {
    [ -f "$file" ] && grep -vE '^KUBELET_EXTRA_ARGS=' "$file"
    printf 'KUBELET_EXTRA_ARGS="%s"\n' "$merged"
  } >"${file}.npo"
  mv "${file}.npo" "$file"
  # Binary installs read the same variable through this drop-in (their unit must pass $KUBELET_EXTRA_ARGS).
  printf '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=%s"\n' "$merged" \
    >/etc/systemd/system/kubelet.service.d/20-alibaba-cloud.conf
  echo "kubelet flags: ${merged}"
}

# The user's script runs as root with the join command in its environment: it is fetched over https only
# (redirects included), unless the pool gave its SHA-256, which is then checked before it runs.
npo_external_script() {
  local script="${NPO_STATE}/external-bootstrap.sh" have
  local -a proto=(--proto "=https" --proto-redir "=https")
  [ -n "$NPO_SCRIPT_SHA256" ] && proto=()
  curl -fsSL "${proto[@]}" --retry 5 --retry-connrefused "$NPO_SCRIPT_URL" -o "$script" || {
    echo "cannot download ${NPO_SCRIPT_URL}"
    return 1
  }
  if [ -n "$NPO_SCRIPT_SHA256" ]; then
    have=$(sha256sum "$script" | cut -d' ' -f1)
    if [ "$have" != "$NPO_SCRIPT_SHA256" ]; then
      echo "the script from ${NPO_SCRIPT_URL} has SHA-256 ${have}, not the pool's scriptSHA256 ${NPO_SCRIPT_SHA256}: not running it"
      rm -f "$script"
      return 1
    fi
    echo "script checksum verified (${have})"
  fi
  chmod 700 "$script"
  KUBE_VERSION="${NPO_KUBE_VERSION#v}" RUNTIME="$NPO_EXTERNAL_RUNTIME" RUNTIME_VERSION="$NPO_EXTERNAL_RUNTIME_VERSION" \
    KUBEADM_JOIN_CMD="$NPO_JOIN_COMMAND" bash "${NPO_STATE}/external-bootstrap.sh"
}

# If the user's script did not join (no kubelet credentials yet), run the join command ourselves.
npo_join() {
  if [ -f /etc/kubernetes/kubelet.conf ]; then
    echo "already joined"
    return 0
  fi
  local -a join=()
  read -ra join <<<"$NPO_JOIN_COMMAND"
  "${join[@]}"
}

npo_main() {
  npo_init
  npo_markers
  if [ -n "$NPO_PRE_USER_DATA" ]; then
    npo_step pre-user-data npo_run_embedded pre-user-data "$NPO_PRE_USER_DATA" || npo_fail pre-user-data
  fi
  npo_step node-identity npo_identity || npo_fail node-identity
  export ALIBABA_CLOUD_PROVIDER_ID="$PROVIDER_ID"
  export ALIBABA_CLOUD_NODE_NAME="$NODE_NAME"
  export ALIBABA_CLOUD_LABELS="${NPO_SYSTEM_LABELS},alibabacloud.com/instance-id=${INSTANCE_ID}${NPO_LABELS:+,${NPO_LABELS}}"
  export ALIBABA_CLOUD_TAINTS="$NPO_TAINTS"
  npo_step kubelet-flags npo_kubelet_flags || npo_fail kubelet-flags
  npo_step external-script npo_external_script || npo_fail external-script
  npo_step kubeadm-join npo_join || npo_fail kubeadm-join
  npo_step os-config npo_os_config || npo_fail os-config
  npo_step user-data npo_user_data_background || npo_fail user-data
  echo "done" >"$NPO_STATE/result"
  echo "[nodepool-bootstrap] bootstrap finished"
}

npo_main
