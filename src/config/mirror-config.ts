import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { parseProperties, type PropertyEntry } from './properties.js';
import { REDACTED, redactValue } from './redact.js';
import { clientSettingProblem } from './client-rules.js';
import { readSidecarTls } from '../sidecar/tls.js';
import { isProviderKey, readConfigProviders, resolvePlaceholders } from './config-providers.js';
import { translateClientSettings } from '../kafka/client-config.js';
import {
  CLIENT_ROLES, CLIENT_SETTINGS_FOR_SUGGESTIONS, FILE_SETTINGS, FLOW_SETTINGS, isClientSetting, MM2_KEYS_WITHOUT_EFFECT,
  PROCESS_SETTING_NAMES, PROCESS_SETTINGS, SETTING_NAMES, SETTINGS, type ClientRole, type ProcessSettingName,
  type ProcessSettings, type SettingName, type Settings,
} from './settings.js';

/**
 * mm2.properties → one validated, frozen MirrorConfig.
 *
 * Key grammar (MM2 dedicated mode):
 *   clusters = A, B                         the aliases
 *   <alias>.<client setting>                a cluster's connection (bootstrap.servers, security.*, ssl.*, sasl.*)
 *   <alias>.{consumer,producer,admin}.<k>   client overrides for one cluster
 *   {consumer,producer,admin}.<k>           client overrides for every cluster
 *   <client setting>                        a connection setting for every cluster (its own block wins)
 *   <setting>                               an MM2 setting (settings.ts) for every flow
 *   A->B.enabled, A->B.<setting>            a flow's switch and its overrides (win over top level)
 *   A->B.{consumer,producer,admin}.<k>      client overrides for one flow (win over top level)
 *   kmirror.<name>                          kmirror's process-wide settings (sidecar, metrics): top level only
 *
 * Client settings, low → high (MM2's MirrorMakerConfig/MirrorConnectorConfig):
 *   top-level client settings → <alias>.<client setting> → <role>.* → A->B.<role>.* → <alias>.<role>.*
 * and the source consumer always gets enable.auto.commit=false, auto.offset.reset=earliest unless set.
 */

export type ClientProperties = Readonly<Record<string, string>>;

export interface ConfigIssue {
  readonly severity: 'error' | 'warning';
  /** The key as written in the file, when the issue is about one key. */
  readonly key?: string;
  readonly line?: number;
  readonly message: string;
}

/** Where a setting was written: the key as in the file and its line. */
export interface SettingOrigin {
  readonly key: string;
  readonly line: number;
  /** Its value came (at least in part) from a config provider: a secret, never shown. */
  readonly resolved?: boolean;
}

/** The origin of each client setting, by its name in the client's properties (absent: kmirror's own default). */
export type ClientOrigins = Readonly<Record<string, SettingOrigin>>;

export interface ClusterConfig {
  readonly alias: string;
  readonly bootstrapServers: string;
  /** Connection settings for every client of this cluster. */
  readonly client: ClientProperties;
  readonly clientOrigins?: ClientOrigins;
}

/** The clients a flow uses, each with its resolved settings (Java client names, as written). */
export interface FlowClients {
  /** Reads the replicated topics and consumer groups' offsets on the source. */
  readonly sourceConsumer: ClientProperties;
  /** Writes offset syncs when they live on the source. */
  readonly sourceProducer: ClientProperties;
  readonly sourceAdmin: ClientProperties;
  /** Reads internal topics (checkpoints, offset syncs) on the target. */
  readonly targetConsumer: ClientProperties;
  /** Writes replicated records, heartbeats and checkpoints. */
  readonly targetProducer: ClientProperties;
  readonly targetAdmin: ClientProperties;
}

export interface FlowConfig {
  /** `A->B` */
  readonly name: string;
  readonly source: string;
  readonly target: string;
  /** Topics and checkpoints are replicated (`A->B.enabled`). */
  readonly enabled: boolean;
  /**
   * Heartbeats are emitted for this pair. As in MM2, every pair emits heartbeats unless
   * `emit.heartbeats.enabled=false`, even when the flow itself is disabled.
   */
  readonly heartbeats: boolean;
  readonly settings: Settings;
  /** Where each explicitly written setting came from. */
  readonly origins: Readonly<Partial<Record<SettingName, SettingOrigin>>>;
  readonly clients: FlowClients;
  /** Where each client setting was written. */
  readonly clientOrigins?: Readonly<Record<keyof FlowClients, ClientOrigins>>;
  /**
   * The flow's view of the file as MM2 hands it to a connector: top-level entries with the
   * flow's own (`A->B.` stripped) over them. A custom replication policy is configured with it.
   */
  readonly properties: Readonly<Record<string, string>>;
}

export interface MirrorConfig {
  /** The file it was read from, when it was. */
  readonly file: string | undefined;
  /** The folder relative module paths (custom policies) are resolved against. */
  readonly baseDir: string;
  readonly clusters: readonly ClusterConfig[];
  /** Every ordered pair that runs anything: replication (`enabled`) or heartbeats only. */
  readonly flows: readonly FlowConfig[];
  /** kmirror's process-wide settings (the HTTP sidecar, metric labels), defaults filled in. */
  readonly process: ProcessSettings;
  readonly warnings: readonly ConfigIssue[];
  /** Keys (as written) whose values a config provider gave: secrets, never shown. */
  readonly resolvedKeys?: readonly string[];
}

export interface ParseOptions {
  /** Named in messages; relative module paths are resolved against its folder. */
  readonly file?: string;
  readonly baseDir?: string;
}

export async function loadMirrorConfig(file: string): Promise<MirrorConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KmirrorError(ErrorCodes.FILE_UNREADABLE, `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseMirrorConfig(text, { file });
}

/** Parses and validates; throws CONFIG_INVALID listing every error (and warning) at once. */
export function parseMirrorConfig(text: string, options: ParseOptions = {}): MirrorConfig {
  const { config, issues } = checkMirrorConfig(text, options);
  if (!config) {
    const errors = issues.filter((i) => i.severity === 'error');
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID,
      `${options.file ?? 'the configuration'} has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
      { details: issues.map((i) => formatIssue(i, options.file)) });
  }
  return config;
}

export function formatIssue(issue: ConfigIssue, file?: string): string {
  const where = [file ?? (issue.line !== undefined ? 'line' : undefined), issue.line].filter((x) => x !== undefined).join(':');
  const key = issue.key !== undefined ? `${issue.key}: ` : '';
  return `${issue.severity}: ${where ? `${where}: ` : ''}${key}${issue.message}`;
}

/** Parses and validates, returning every issue; `config` is undefined when there are errors. */
export function checkMirrorConfig(text: string, options: ParseOptions = {}): { config: MirrorConfig | undefined; issues: ConfigIssue[] } {
  const builder = new ConfigBuilder(text, options);
  return builder.build();
}

// ---------------------------------------------------------------------------------------------------

interface FlowDraft {
  enabled?: PropertyEntry;
  settings: Map<SettingName, PropertyEntry>;
  clients: Record<ClientRole, Map<string, PropertyEntry>>;
  raw: Map<string, string>;
}

const emptyRoles = (): Record<ClientRole, Map<string, PropertyEntry>> =>
  ({ consumer: new Map(), producer: new Map(), admin: new Map() });

class ConfigBuilder {
  private readonly issues: ConfigIssue[] = [];
  private readonly entries: ReadonlyMap<string, PropertyEntry>;
  private aliases: string[] = [];
  private readonly topSettings = new Map<SettingName, PropertyEntry>();
  private readonly processEntries = new Map<ProcessSettingName, PropertyEntry>();
  private readonly topClient = new Map<string, PropertyEntry>();
  private readonly topRoles = emptyRoles();
  private readonly topRaw = new Map<string, string>();
  private readonly clusterClient = new Map<string, Map<string, PropertyEntry>>();
  private readonly clusterRoles = new Map<string, Record<ClientRole, Map<string, PropertyEntry>>>();
  /** Values config providers put in (and the values holding them): secrets, scrubbed from every message. */
  private readonly secretParts = new Set<string>();
  /** Keys whose placeholders could not be resolved: their values are not used for further checks. */
  private readonly unresolved = new Set<string>();
  private readonly flowDrafts = new Map<string, FlowDraft>();

  constructor(text: string, private readonly options: ParseOptions) {
    const parsed = parseProperties(text);
    this.entries = this.resolveProviders(parsed.entries);
    for (const dup of parsed.duplicates) {
      this.warn(`written ${dup.lines.length} times (lines ${dup.lines.join(', ')}); the last one counts`,
        dup.key, dup.lines[dup.lines.length - 1]);
    }
  }

  /** Every `${provider:[path:]key}` put in, as MM2 does when it reads the file (config-providers.ts). */
  private resolveProviders(entries: ReadonlyMap<string, PropertyEntry>): ReadonlyMap<string, PropertyEntry> {
    const { providers, issues } = readConfigProviders(entries);
    this.issues.push(...issues);
    const out = new Map<string, PropertyEntry>();
    for (const [key, entry] of entries) {
      if (isProviderKey(key) || !entry.value.includes('${')) {
        out.set(key, entry);
        continue;
      }
      const resolved = resolvePlaceholders(entry.value, providers);
      for (const problem of resolved.problems) this.error(problem, entry.key, entry.line);
      if (resolved.problems.length > 0) this.unresolved.add(key);
      if (resolved.resolved) {
        for (const part of [...resolved.parts, resolved.value]) if (part.trim() !== '') this.secretParts.add(part);
        out.set(key, { ...entry, value: resolved.value, resolved: true });
      } else {
        out.set(key, entry);
      }
    }
    return out;
  }

  build(): { config: MirrorConfig | undefined; issues: ConfigIssue[] } {
    this.readClusters();
    for (const entry of this.entries.values()) {
      if (entry.key !== 'clusters') this.classify(entry);
    }
    const clusters = this.resolveClusters();
    const flows = this.resolveFlows();
    const processSettings = this.resolveProcess();
    if (this.aliases.length > 0 && !flows.some((f) => f.enabled) && !this.hasErrors()) {
      const [a, b] = [this.aliases[0], this.aliases[1] ?? 'B'];
      this.warn(`no replication flow is enabled: nothing will be replicated (enable one with '${a}->${b}.enabled = true')`);
    }
    this.translateClients(flows);
    const issues = this.scrub([...this.issues]).sort((x, y) => (x.line ?? 0) - (y.line ?? 0));
    if (this.hasErrors()) return { config: undefined, issues };
    const config: MirrorConfig = {
      file: this.options.file,
      baseDir: this.options.baseDir ?? (this.options.file ? dirname(resolve(this.options.file)) : process.cwd()),
      clusters,
      flows,
      process: processSettings,
      warnings: issues.filter((i) => i.severity === 'warning'),
      resolvedKeys: [...this.entries.values()].filter((e) => e.resolved).map((e) => e.key),
    };
    return { config: deepFreeze(config), issues };
  }

  // ---- issues ----

  /** Issues with every value a config provider put in replaced: a message may quote a value. */
  private scrub(issues: ConfigIssue[]): ConfigIssue[] {
    const parts = [...this.secretParts].filter((p) => p.length >= 3).sort((a, b) => b.length - a.length);
    if (parts.length === 0) return issues;
    return issues.map((issue) => {
      let message = issue.message;
      for (const part of parts) message = message.split(part).join(REDACTED);
      return message === issue.message ? issue : { ...issue, message };
    });
  }

  /** A value as it may be shown in a message: redacted when its key names a secret or a config provider gave it. */
  private shown(entry: PropertyEntry): string {
    return entry.resolved ? REDACTED : redactValue(entry.key, entry.value);
  }

  private error(message: string, key?: string, line?: number): void {
    this.issues.push({ severity: 'error', message, ...(key !== undefined && { key }), ...(line !== undefined && { line }) });
  }

  private warn(message: string, key?: string, line?: number): void {
    this.issues.push({ severity: 'warning', message, ...(key !== undefined && { key }), ...(line !== undefined && { line }) });
  }

  private hasErrors(): boolean {
    return this.issues.some((i) => i.severity === 'error');
  }

  // ---- clusters ----

  private readClusters(): void {
    const entry = this.entries.get('clusters');
    if (!entry) {
      this.error(`missing: list the cluster aliases, e.g. 'clusters = source, target'`, 'clusters');
      return;
    }
    const aliases = FILE_SETTINGS.clusters.schema.parse(entry.value);
    if (aliases.length === 0) this.error('must list at least one cluster alias', 'clusters', entry.line);
    const seen = new Set<string>();
    for (const alias of aliases) {
      if (seen.has(alias)) this.error(`alias '${alias}' is listed twice`, 'clusters', entry.line);
      else if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(alias)) {
        this.error(`alias '${alias}' may hold only letters, digits, '.', '_' and '-'`, 'clusters', entry.line);
      } else if ((CLIENT_ROLES as readonly string[]).includes(alias)) {
        this.error(`alias '${alias}' cannot be used: '${alias}.' keys are client overrides for every cluster`, 'clusters', entry.line);
      }
      seen.add(alias);
    }
    this.aliases = [...seen];
    for (const alias of this.aliases) {
      this.clusterClient.set(alias, new Map());
      this.clusterRoles.set(alias, emptyRoles());
    }
  }

  /** The longest alias `key` starts with followed by `.`, and the rest of the key. */
  private splitAlias(key: string): [alias: string, rest: string] | undefined {
    let best: string | undefined;
    for (const alias of this.aliases) {
      if (key.startsWith(alias + '.') && (best === undefined || alias.length > best.length)) best = alias;
    }
    return best === undefined ? undefined : [best, key.slice(best.length + 1)];
  }

  // ---- key classification ----

  private classify(entry: PropertyEntry): void {
    const { key } = entry;
    if (isProcessSettingName(key)) {
      this.processEntries.set(key, entry);
      return;
    }
    const arrow = key.indexOf('->');
    if (arrow > 0) return this.classifyFlowKey(entry, key.slice(0, arrow), key.slice(arrow + 2));

    const aliased = this.splitAlias(key);
    if (aliased) return this.classifyClusterKey(entry, ...aliased);

    // An MM2 setting whose name starts like a role override (admin.timeout.ms) is the setting.
    const role = isSettingName(key) ? undefined : roleOf(key);
    if (role) {
      this.checkClientValue(role[0], role[1], entry);
      this.topRoles[role[0]].set(role[1], entry);
      return;
    }
    if (isSettingName(key)) {
      this.checkNotYetUsed(key, entry);
      this.topSettings.set(key, entry);
      this.topRaw.set(key, entry.value);
      return;
    }
    if (isClientSetting(key)) {
      this.checkClientValue(undefined, key, entry);
      this.topClient.set(key, entry);
      this.topRaw.set(key, entry.value);
      return;
    }
    this.topRaw.set(key, entry.value);
    this.checkWithoutEffect(key, entry);
    if (isPassThrough(key)) return;
    this.warn(`unknown setting, ignored${this.suggest(key, this.topLevelCandidates())}`, key, entry.line);
  }

  private classifyClusterKey(entry: PropertyEntry, alias: string, rest: string): void {
    const role = roleOf(rest);
    if (isProcessSettingName(rest)) {
      this.error(`'${rest}' is process-wide, not a cluster setting: write it at top level`, entry.key, entry.line);
    } else if (role) {
      this.checkClientValue(role[0], role[1], entry);
      this.clusterRoles.get(alias)![role[0]].set(role[1], entry);
    } else if (isClientSetting(rest)) {
      this.checkClientValue(undefined, rest, entry);
      this.clusterClient.get(alias)!.set(rest, entry);
    } else if (isSettingName(rest)) {
      this.warn(`'${rest}' is a flow setting, not a cluster one: write it at top level or as '<source>->${alias}.${rest}'; ignored`,
        entry.key, entry.line);
    } else if (!MM2_KEYS_WITHOUT_EFFECT.has(rest)) {
      this.warn(`not a client connection setting MM2 passes to '${alias}' clients; ignored` +
        `${this.suggest(rest, CLIENT_SETTINGS_FOR_SUGGESTIONS, `${alias}.`)} ` +
        `(librdkafka-only settings go under '${alias}.consumer.', '${alias}.producer.' or '${alias}.admin.')`,
        entry.key, entry.line);
    }
  }

  private classifyFlowKey(entry: PropertyEntry, source: string, afterArrow: string): void {
    const target = [...this.aliases].sort((a, b) => b.length - a.length)
      .find((alias) => afterArrow.startsWith(alias + '.'));
    const known = this.aliases.join(', ') || 'none';
    if (!this.aliases.includes(source)) {
      this.error(`flow names cluster '${source}', which is not in 'clusters' (${known})`, entry.key, entry.line);
      return;
    }
    if (!target) {
      const named = afterArrow.split('.')[0];
      this.error(`flow names cluster '${named}', which is not in 'clusters' (${known})`, entry.key, entry.line);
      return;
    }
    if (source === target) {
      this.error(`a flow cannot replicate a cluster onto itself`, entry.key, entry.line);
      return;
    }
    const name = `${source}->${target}`;
    const rest = afterArrow.slice(target.length + 1);
    const draft = this.flowDraft(name);
    draft.raw.set(rest, entry.value);
    const role = isSettingName(rest) ? undefined : roleOf(rest);
    if (isProcessSettingName(rest)) {
      this.error(`'${rest}' is process-wide, not a flow setting: write it at top level`, entry.key, entry.line);
    } else if (rest === 'enabled') draft.enabled = entry;
    else if (role) {
      this.checkClientValue(role[0], role[1], entry);
      draft.clients[role[0]].set(role[1], entry);
    }
    else if (isSettingName(rest)) {
      this.checkNotYetUsed(rest, entry);
      draft.settings.set(rest, entry);
    } else if (isClientSetting(rest)) {
      // MM2 hands a flow's connectors only cluster-prefixed connection settings: this one reaches no client.
      this.warn(`a connection setting is not taken per flow (MM2 gives it to no client): write '${source}.${rest}' or '${target}.${rest}', ` +
        `or '${name}.consumer.${rest}' / '${name}.producer.${rest}' / '${name}.admin.${rest}'; ignored`, entry.key, entry.line);
    } else if (isPassThrough(rest)) {
      this.checkWithoutEffect(rest, entry);
    } else {
      this.warn(`unknown flow setting, ignored${this.suggest(rest, ['enabled', ...SETTING_NAMES], `${name}.`)}`,
        entry.key, entry.line);
    }
  }

  /** MM2 settings kmirror accepts without acting on them yet (notYetUsed in settings.ts): a warning when they ask for something. */
  private checkNotYetUsed(name: SettingName, entry: PropertyEntry): void {
    if (SETTINGS[name].notYetUsed && entry.value.trim() !== '') {
      this.warn(`has no effect yet in kmirror`, entry.key, entry.line);
    }
  }

  /** MM2 (Connect) keys accepted without effect, that ask for something kmirror does not do: a warning. */
  private checkWithoutEffect(name: string, entry: PropertyEntry): void {
    const value = entry.value.trim().toLowerCase();
    if ((name === 'exactly.once.support' || name === 'exactly.once.source.support') && value !== '' && value !== 'disabled') {
      this.warn(`has no effect yet: kmirror does not replicate exactly once (records may be copied twice after a failure)`, entry.key, entry.line);
    }
  }

  /**
   * Every client of every flow as librdkafka will be given it (kafka/client-config.ts): what cannot
   * be given is an error, what has no effect a warning, each naming the key and line it was written on.
   */
  private translateClients(flows: readonly FlowConfig[]): void {
    const seen = new Set<string>();
    const report = (props: ClientProperties, origins: ClientOrigins, who: string) => {
      const translation = translateClientSettings(props);
      for (const issue of translation.issues) {
        const origin = origins[issue.setting];
        if (origin && this.unresolved.has(origin.key)) continue;
        const key = origin?.key ?? issue.setting;
        const id = `${issue.severity}|${key}|${origin?.line}|${issue.message}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const message = origin ? issue.message : `${issue.message} (${who})`;
        if (issue.severity === 'error') this.error(message, key, origin?.line);
        else this.warn(message, key, origin?.line);
      }
    };
    for (const flow of flows) {
      for (const role of Object.keys(flow.clients) as (keyof FlowClients)[]) {
        report(flow.clients[role], flow.clientOrigins?.[role] ?? {}, `${flow.name} ${role}`);
      }
    }
  }

  /** A client value kmirror cannot take: an error naming the key and line (never the value: it may be a secret). */
  private checkClientValue(role: ClientRole | undefined, name: string, entry: PropertyEntry): void {
    const problem = clientSettingProblem(role, name, entry.value);
    if (problem) this.error(problem, entry.key, entry.line);
  }

  private flowDraft(name: string): FlowDraft {
    let draft = this.flowDrafts.get(name);
    if (!draft) {
      draft = { settings: new Map(), clients: emptyRoles(), raw: new Map() };
      this.flowDrafts.set(name, draft);
    }
    return draft;
  }

  private topLevelCandidates(): string[] {
    return [
      'clusters', ...SETTING_NAMES, ...PROCESS_SETTING_NAMES, ...CLIENT_SETTINGS_FOR_SUGGESTIONS,
      ...this.aliases.flatMap((a) => [`${a}.bootstrap.servers`, `${a}.security.protocol`]),
      ...this.aliases.flatMap((a) => this.aliases.filter((b) => b !== a).map((b) => `${a}->${b}.enabled`)),
    ];
  }

  private suggest(word: string, candidates: readonly string[], prefix = ''): string {
    if (candidates.length === 0) return '';
    const best = closest(word, candidates as string[]);
    return distance(word, best) <= Math.max(2, Math.floor(word.length / 4)) ? ` (did you mean '${prefix}${best}'?)` : '';
  }

  // ---- resolution ----

  private resolveClusters(): ClusterConfig[] {
    const clustersLine = this.entries.get('clusters')?.line;
    return this.aliases.map((alias) => {
      const { values: client, origins: clientOrigins } = merge([this.topClient, this.clusterClient.get(alias)!]);
      const bootstrapServers = client['bootstrap.servers'] ?? '';
      if (bootstrapServers.trim() === '') {
        this.error(`cluster '${alias}' has no bootstrap.servers: add '${alias}.bootstrap.servers = host:port'`,
          `${alias}.bootstrap.servers`, clustersLine);
      }
      return { alias, bootstrapServers, client, clientOrigins };
    });
  }

  private resolveFlows(): FlowConfig[] {
    const top = this.parseSettings(this.topSettings, true);
    const flows: FlowConfig[] = [];
    for (const source of this.aliases) {
      for (const target of this.aliases) {
        if (source === target) continue;
        const name = `${source}->${target}`;
        const draft = this.flowDraft(name);
        let enabled = FLOW_SETTINGS.enabled.schema.parse(FLOW_SETTINGS.enabled.default);
        if (draft.enabled) {
          const parsed = FLOW_SETTINGS.enabled.schema.safeParse(draft.enabled.value);
          if (parsed.success) enabled = parsed.data;
          else this.error(`'${this.shown(draft.enabled)}': ${parsed.error.issues[0]?.message}`, draft.enabled.key, draft.enabled.line);
        }
        const own = this.parseSettings(draft.settings, false);
        const settings = { ...top.values, ...own.values } as Settings;
        const heartbeats = settings['emit.heartbeats.enabled'];
        if (!enabled && !heartbeats) continue;
        const properties = { ...Object.fromEntries(this.topRaw), ...Object.fromEntries(draft.raw) };
        delete properties.enabled;
        const { clients, clientOrigins } = this.flowClients(source, target, draft);
        flows.push({
          name, source, target, enabled, heartbeats, settings,
          origins: { ...top.origins, ...own.origins },
          clients,
          clientOrigins,
          properties,
        });
      }
    }
    return flows;
  }

  /** Parses the given entries over the defaults; every bad value becomes an error naming key and line. */
  private parseSettings(entries: ReadonlyMap<SettingName, PropertyEntry>, withDefaults: boolean): {
    values: Partial<Record<SettingName, unknown>>; origins: Partial<Record<SettingName, SettingOrigin>>;
  } {
    const values: Partial<Record<SettingName, unknown>> = {};
    const origins: Partial<Record<SettingName, SettingOrigin>> = {};
    if (withDefaults) for (const name of SETTING_NAMES) values[name] = SETTINGS[name].schema.parse(SETTINGS[name].default);
    for (const [name, entry] of entries) {
      const parsed = SETTINGS[name].schema.safeParse(entry.value);
      if (parsed.success) {
        values[name] = parsed.data;
        origins[name] = { key: entry.key, line: entry.line, ...(entry.resolved && { resolved: true }) };
      } else {
        for (const issue of parsed.error.issues) {
          this.error(`'${this.shown(entry)}': ${issue.message}`, entry.key, entry.line);
        }
      }
    }
    return { values, origins };
  }

  /** The process-wide settings over their defaults; a bad value is an error naming key and line (secrets redacted). */
  private resolveProcess(): ProcessSettings {
    const values: Partial<Record<ProcessSettingName, unknown>> = {};
    for (const name of PROCESS_SETTING_NAMES) {
      const entry = this.processEntries.get(name);
      const parsed = PROCESS_SETTINGS[name].schema.safeParse(entry?.value ?? PROCESS_SETTINGS[name].default);
      if (parsed.success) values[name] = parsed.data;
      else for (const issue of parsed.error.issues) this.error(`'${this.shown(entry!)}': ${issue.message}`, name, entry!.line);
    }
    const settings = values as ProcessSettings;
    if (settings['kmirror.sidecar.enabled']) this.checkSidecar(settings);
    return settings;
  }

  /**
   * The sidecar's files (readSidecarTls) and who may reach it: off loopback without a token is a
   * warning (anyone there reads status and offsets); a token off loopback without TLS is an error,
   * since every request would carry it across the network in clear text.
   */
  private checkSidecar(settings: ProcessSettings): void {
    const lineOf = (name: ProcessSettingName) => this.processEntries.get(name)?.line;
    for (const problem of readSidecarTls(settings).problems) {
      if (problem.severity === 'error') this.error(problem.message, problem.key, lineOf(problem.key));
      else this.warn(problem.message, problem.key, lineOf(problem.key));
    }
    // Set but broken is an error above already.
    const tlsSet = settings['kmirror.sidecar.tls.cert'] !== undefined || settings['kmirror.sidecar.tls.key'] !== undefined;
    const host = settings['kmirror.sidecar.host'];
    if (host === undefined || isLoopback(host)) return;
    if (settings['kmirror.sidecar.token'] === undefined) {
      this.warn(`the sidecar listens on '${host}' without kmirror.sidecar.token: whoever reaches it reads status and offsets ` +
        '(pausing and resuming partitions stay refused without a token)', 'kmirror.sidecar.host', lineOf('kmirror.sidecar.host'));
    } else if (!tlsSet) {
      this.error(`the sidecar listens on '${host}' with kmirror.sidecar.token but without TLS: every request would send the token ` +
        'across the network in clear text. Set kmirror.sidecar.tls.cert and kmirror.sidecar.tls.key (HTTPS), or listen on loopback ' +
        '(127.0.0.1) behind a TLS-terminating proxy', 'kmirror.sidecar.host', lineOf('kmirror.sidecar.host'));
    }
  }

  private flowClients(source: string, target: string, draft: FlowDraft): { clients: FlowClients; clientOrigins: Record<keyof FlowClients, ClientOrigins> } {
    const side = (alias: string, role: ClientRole, forced: Record<string, string> = {}, defaults: Record<string, string> = {}) => {
      const { values, origins } = merge([this.topClient, this.clusterClient.get(alias)!, this.topRoles[role], draft.clients[role],
        this.clusterRoles.get(alias)![role]]);
      for (const key of Object.keys(forced)) delete origins[key];
      return { values: { ...defaults, ...values, ...forced }, origins };
    };
    const consumerDefaults = { 'auto.offset.reset': 'earliest' };
    const consumerForced = { 'enable.auto.commit': 'false' };
    const sides = {
      sourceConsumer: side(source, 'consumer', consumerForced, consumerDefaults),
      sourceProducer: side(source, 'producer'),
      sourceAdmin: side(source, 'admin'),
      targetConsumer: side(target, 'consumer', consumerForced, consumerDefaults),
      targetProducer: side(target, 'producer'),
      targetAdmin: side(target, 'admin'),
    };
    const roles = Object.keys(sides) as (keyof FlowClients)[];
    return {
      clients: Object.fromEntries(roles.map((r) => [r, sides[r].values])) as unknown as FlowClients,
      clientOrigins: Object.fromEntries(roles.map((r) => [r, sides[r].origins])) as Record<keyof FlowClients, ClientOrigins>,
    };
  }
}

/** Client settings of several levels, low to high: the values, and where each winning value was written. */
function merge(levels: readonly ReadonlyMap<string, PropertyEntry>[]): { values: Record<string, string>; origins: Record<string, SettingOrigin> } {
  const values: Record<string, string> = {};
  const origins: Record<string, SettingOrigin> = {};
  for (const level of levels) {
    for (const [name, entry] of level) {
      values[name] = entry.value;
      origins[name] = { key: entry.key, line: entry.line, ...(entry.resolved && { resolved: true }) };
    }
  }
  return { values, origins };
}

function isSettingName(key: string): key is SettingName {
  return Object.hasOwn(SETTINGS, key);
}

function isProcessSettingName(key: string): key is ProcessSettingName {
  return Object.hasOwn(PROCESS_SETTINGS, key);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function roleOf(key: string): [ClientRole, string] | undefined {
  for (const role of CLIENT_ROLES) {
    if (key.startsWith(role + '.') && key.length > role.length + 1) return [role, key.slice(role.length + 1)];
  }
  return undefined;
}

/** Keys taken without a warning: MM2 keys kmirror has no use for, and a custom policy's own. */
function isPassThrough(key: string): boolean {
  return MM2_KEYS_WITHOUT_EFFECT.has(key) || key.startsWith('replication.policy.') || key.startsWith('config.providers');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
