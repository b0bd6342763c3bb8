// Loads the configuration: config/default.json < the file named by KEHU_CONFIG < KEHU_* environment
// variables < overrides passed in code (tests). The result is validated as a whole; a bad value stops boot.
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { configSchema, type Config } from './schema';
import { rootDir } from '../lib/paths';

export class ConfigError extends Error {}

type JsonObject = Record<string, unknown>;
type SchemaNode = { type?: string; properties?: Record<string, SchemaNode>; anyOf?: SchemaNode[] };

/** `smtp.host` -> `KEHU_SMTP_HOST`, `dataDir` -> `KEHU_DATA_DIR`: dots and camelCase humps become underscores. */
export function envNameFor(keyPath: string): string {
  return 'KEHU_' + keyPath.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

/** Every leaf key of the schema with its dotted path and schema node. */
export function configKeys(node: SchemaNode = configSchema as unknown as SchemaNode, prefix = ''): Array<{ key: string; schema: SchemaNode }> {
  const out: Array<{ key: string; schema: SchemaNode }> = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (child.type === 'object') out.push(...configKeys(child, key));
    else out.push({ key, schema: child });
  }
  return out;
}

function typesOf(schema: SchemaNode): string[] {
  return schema.anyOf ? schema.anyOf.map((s) => s.type ?? 'string') : [schema.type ?? 'string'];
}

function parseEnvValue(raw: string, schema: SchemaNode): unknown {
  const types = typesOf(schema);
  if (types.includes('boolean') && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if ((types.includes('integer') || types.includes('number')) && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  return raw;
}

function setPath(target: JsonObject, keyPath: string, value: unknown): void {
  const parts = keyPath.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as JsonObject;
  }
  node[parts[parts.length - 1]] = value;
}

function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? deepMerge(b as JsonObject, v as JsonObject) : v;
  }
  return out;
}

function readJsonFile(file: string): JsonObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
    return value;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(configSchema);

export interface LoadedConfig {
  config: Config;
  /** Human-readable notes for the log: unknown KEHU_* variables and the like. */
  warnings: string[];
}

const NON_CONFIG_ENV = new Set(['KEHU_CONFIG', 'KEHU_TEST_DB', 'KEHU_TEST_DATABASE_URL', 'KEHU_TEST_KEEP']);

export function loadConfig(options: { env?: NodeJS.ProcessEnv; overrides?: JsonObject } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  let merged = readJsonFile(path.join(rootDir, 'config', 'default.json'));
  if (env.KEHU_CONFIG) merged = deepMerge(merged, readJsonFile(path.resolve(env.KEHU_CONFIG)));

  const fromEnv: JsonObject = {};
  const known = new Set<string>();
  for (const { key, schema } of configKeys()) {
    const name = envNameFor(key);
    known.add(name);
    let raw = env[name];
    if (raw === undefined && key === 'databaseUrl') raw = env.DATABASE_URL; // alias; KEHU_DATABASE_URL wins
    if (raw !== undefined) setPath(fromEnv, key, parseEnvValue(raw, schema));
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('KEHU_') && !known.has(name) && !NON_CONFIG_ENV.has(name)) warnings.push(`environment variable ${name} is not a Kehu setting and was ignored`);
  }
  merged = deepMerge(merged, fromEnv);
  if (options.overrides) merged = deepMerge(merged, options.overrides);

  if (!validate(merged)) {
    const lines = (validate.errors ?? []).map((e) => {
      const parent = e.instancePath.slice(1).replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        // Name the unknown key itself (tls.bogus), not only the object it sits in.
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        return `config key "${parent ? `${parent}.${extra}` : extra}" is not a Kehu setting`;
      }
      const key = parent || '(root)';
      const allowed = e.keyword === 'enum' ? `: one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      const where = configKeys().some((k) => k.key === key) ? ` (environment ${envNameFor(key)})` : '';
      return `config key "${key}"${where} ${e.message}${allowed}`;
    });
    throw new ConfigError(`invalid configuration: ${[...new Set(lines)].join('; ')}`);
  }
  const config = merged as unknown as Config;
  config.dataDir = path.resolve(config.dataDir);
  if (!config.baseUrl) config.baseUrl = `http://localhost:${config.port}`;
  config.baseUrl = config.baseUrl.replace(/\/+$/, '');
  if (Boolean(config.tls.certFile) !== Boolean(config.tls.keyFile)) throw new ConfigError('config keys "tls.certFile" and "tls.keyFile" must be set together');
  return { config, warnings };
}
