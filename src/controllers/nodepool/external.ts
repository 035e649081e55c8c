/**
 * What breaks an External pool's scale-out before any instance is launched [seed 002]: no join script
 * registered (no `scriptURL` and no `addNodeScriptPath` in ConfigMap `kube-system/ack-agent-config`), and a
 * kubeadm join command whose token no longer works — missing, mismatched, not for authentication, expired or
 * about to. A token with an expiry is accepted while it lasts (a never-expiring `--ttl 0` token is no longer
 * demanded: a join token in user data is better short-lived and rotated); the pool is re-rendered whenever the
 * Secret's command changes, so rotating the Secret is all it takes. Pure: the caller reads the Secret and
 * ConfigMap.
 */

/** Where ACK publishes the default join script of a registered cluster. */
export const AGENT_CONFIG = {
  namespace: 'kube-system',
  name: 'ack-agent-config',
  key: 'addNodeScriptPath',
} as const;

/** The fix the docs and the pool's condition give for a join token that does not work (any more). */
export const JOIN_TOKEN_FIX =
  'create a new token with `kubeadm token create --print-join-command` (its --ttl is yours to choose; rotate it before it expires) and store that command in the Secret';

/** A token that expires within this is refused already: an instance launched now would not join in time. */
export const JOIN_TOKEN_MIN_REMAINING_MS = 10 * 60_000;

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** The bootstrap token of a `kubeadm join` command (`--token X` or `--token=X`), if it has a well-formed one. */
export function joinCommandToken(command: string): { id: string; token: string } | undefined {
  const words = command.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value =
      w === '--token' ? words[i + 1] : w.startsWith('--token=') ? w.slice('--token='.length) : undefined;
    if (value === undefined) continue;
    const m = TOKEN.exec(value.replace(/^['"]|['"]$/g, ''));
    return m ? { id: m[1]!, token: m[0] } : undefined;
  }
  return undefined;
}

/** The fields of a `bootstrap-token-<id>` Secret that matter here, decoded. */
export interface BootstrapTokenSecret {
  tokenSecret?: string;
  expiration?: string;
  usageAuthentication?: string;
}

/**
 * What is wrong with an External pool's join command, or undefined. `field` names where the command came from;
 * `secret` is `kube-system/bootstrap-token-<id>` as the cluster has it (undefined: it does not exist).
 */
export function joinTokenProblem(
  field: string,
  command: string,
  secret: BootstrapTokenSecret | undefined,
  nowMs: number,
): string | undefined {
  if (!/\bkubeadm\s+join\b/.test(command)) return `${field}: the value is not a \`kubeadm join\` command`;
  const token = joinCommandToken(command);
  if (!token)
    return `${field}: the join command has no --token <id>.<secret> (a bootstrap token: 6 + 16 lowercase letters or digits)`;
  const where = `bootstrap token ${token.id} (Secret kube-system/bootstrap-token-${token.id})`;
  if (!secret)
    return `${field}: the join command's ${where} does not exist in the cluster — deleted, or expired and cleaned up; nodes could not join. Fix: ${JOIN_TOKEN_FIX}`;
  if (secret.tokenSecret !== undefined && `${token.id}.${secret.tokenSecret}` !== token.token) {
    return `${field}: the join command's token does not match ${where}; nodes could not join. Fix: ${JOIN_TOKEN_FIX}`;
  }
  if (secret.usageAuthentication !== 'true')
    return `${field}: ${where} is not usable for authentication (usage-bootstrap-authentication is not "true"); nodes could not join. Fix: ${JOIN_TOKEN_FIX}`;
  if (secret.expiration) {
    const at = Date.parse(secret.expiration);
    const when = Number.isNaN(at) ? secret.expiration : new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
    if (Number.isNaN(at))
      return `${field}: ${where} has an expiration ${JSON.stringify(when)} that is not a time. Fix: ${JOIN_TOKEN_FIX}`;
    if (at <= nowMs)
      return `${field}: the join command's ${where} expired at ${when}; nodes cannot join. Fix: ${JOIN_TOKEN_FIX}`;
    if (at - nowMs < JOIN_TOKEN_MIN_REMAINING_MS)
      return `${field}: the join command's ${where} expires at ${when}, too soon for a node launched now to join. Fix: ${JOIN_TOKEN_FIX}`;
  }
  return undefined;
}

/**
 * The script location ack-agent-config registers, or why there is none (or why it may not be used: a plain-http
 * location needs the pool's `scriptSHA256`, `hasChecksum`, since the script runs as root with the join command).
 */
export function agentScriptPath(
  data: Record<string, string> | undefined,
  hasChecksum = false,
): { url: string } | { problem: string } {
  const where = `ConfigMap ${AGENT_CONFIG.namespace}/${AGENT_CONFIG.name}`;
  const fix = `set spec.bootstrap.external.scriptURL, or register the script's URL as ${JSON.stringify(AGENT_CONFIG.key)} in ${where}`;
  if (!data)
    return {
      problem: `spec.bootstrap.external.scriptURL is not set and ${where} does not exist: no join script is registered, so new nodes cannot join. Fix: ${fix}`,
    };
  const url = data[AGENT_CONFIG.key]?.trim();
  if (!url)
    return {
      problem: `spec.bootstrap.external.scriptURL is not set and ${where} has no ${JSON.stringify(AGENT_CONFIG.key)}: no join script is registered, so new nodes cannot join. Fix: ${fix}`,
    };
  if (!/^https?:\/\/\S+$/.test(url))
    return {
      problem: `${where} ${AGENT_CONFIG.key} is ${JSON.stringify(url.slice(0, 200))}, not an http(s) URL. Fix: ${fix}`,
    };
  if (url.startsWith('http://') && !hasChecksum)
    return {
      problem: `${where} ${AGENT_CONFIG.key} is ${JSON.stringify(url.slice(0, 200))}, a plain-http URL: the join script runs as root with the join command, so it is fetched over https only, or over http with its checksum. Fix: set spec.bootstrap.external.scriptSHA256 to the script's SHA-256, or register an https URL`,
    };
  return { url };
}
