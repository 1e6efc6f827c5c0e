/**
 * Whether an `api.address` (host:port) is reachable from this host only. Anything else — 0.0.0.0,
 * a pod or host address, a name — is treated as reachable by others: every pod, container or
 * machine that can route to it.
 */
export function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).toLowerCase();
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
