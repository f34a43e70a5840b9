import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * kmirror's logger (pino, JSON lines on stderr, written synchronously: an asynchronous write waits
 * for a libuv pool thread, and those can all be busy with admin requests to a cluster that is
 * down — the very moment the log matters). Secrets are redacted by path as a second line of
 * defence; the first is that no code logs client settings.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'kmirror',
    level: options.level ?? process.env.KMIRROR_LOG_LEVEL ?? 'info',
    redact: {
      paths: ['*.password', '*["sasl.password"]', '*["sasl.jaas.config"]', '*["ssl.key.password"]', '*["ssl.keystore.password"]',
        '*["ssl.truststore.password"]', '*["ssl.key.pem"]', '*["ssl.keystore.key"]', '*["sasl.oauthbearer.client.secret"]',
        '*["sasl.oauthbearer.client.credentials.client.secret"]', '*["sasl.oauthbearer.config"]'],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
