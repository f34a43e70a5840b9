/**
 * Secrets never leave the process: any setting whose name says it holds a credential is shown as
 * REDACTED in output, logs, HTTP answers and error messages. Over-redacting is harmless.
 */
const SECRET_NAME = /password|secret|jaas|credential|token|(^|\.)ssl\.key\.pem$|(^|\.)ssl\.keystore\.key$|(^|\.)ssl_key\b|private/i;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_NAME.test(key);
}

export function redactValue(key: string, value: string): string {
  return isSecretKey(key) ? REDACTED : value;
}

/**
 * Properties as they may be shown: secret-named ones redacted, and those whose origin says a config
 * provider gave their value (`${provider:…}` values are secrets wherever they land).
 */
export function redactProperties(properties: Readonly<Record<string, string>>,
  origins?: Readonly<Record<string, { readonly resolved?: boolean }>>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, origins?.[k]?.resolved ? REDACTED : redactValue(k, v)]));
}
