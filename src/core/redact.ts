/**
 * URLs may carry credentials (http://user:pass@host): a password must not reach a terminal, a CI
 * log or the shipper's own logs. The user name stays, as it helps to tell configurations apart;
 * userinfo without a colon is often a token, so it goes whole. Up to the last "@" before the
 * path: a password may hold an unescaped "@".
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;

export function redactUrls(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
