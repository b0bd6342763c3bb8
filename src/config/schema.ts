// The one description of every configuration key: its type, its limits and what it means.
// Defaults live in config/default.json; this schema only says what is allowed.
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'port', 'baseUrl', 'dataDir', 'databaseUrl', 'logLevel', 'trustProxy', 'bodyLimitBytes', 'tls', 'database', 'session', 'auth', 'jobs', 'audit', 'trash', 'attachments', 'backup'],
  properties: {
    host: { type: 'string', minLength: 1, description: 'Address to listen on (0.0.0.0 = every interface).' },
    port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port (0 = any free port).' },
    baseUrl: { type: 'string', pattern: '^($|https?://[^/]+(/.*)?$)', description: 'The address users open, e.g. https://crm.example.local; https turns on Secure cookies. Empty: http://localhost:<port>.' },
    dataDir: { type: 'string', minLength: 1, description: 'Directory for the SQLite database, attachments, backups and archives.' },
    databaseUrl: { type: 'string', pattern: '^($|sqlite:.+|postgres(ql)?://.+)', description: 'sqlite:<path> or postgres://user:pass@host:port/db; empty = SQLite in dataDir.' },
    logLevel: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    trustProxy: {
      description: 'false, true (trust every proxy) or a comma-separated list of proxy addresses/CIDRs whose X-Forwarded-* headers are believed.',
      anyOf: [{ type: 'boolean' }, { type: 'string', minLength: 1 }],
    },
    bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 104857600, description: 'Largest request body accepted.' },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['certFile', 'keyFile'],
      properties: {
        certFile: { type: 'string', description: 'PEM certificate chain; with keyFile, Kehu serves HTTPS itself.' },
        keyFile: { type: 'string', description: 'PEM private key.' },
      },
    },
    database: {
      type: 'object',
      additionalProperties: false,
      required: ['poolMax', 'busyTimeoutMs'],
      properties: {
        poolMax: { type: 'integer', minimum: 1, maximum: 200, description: 'Postgres connections per process.' },
        busyTimeoutMs: { type: 'integer', minimum: 0, maximum: 600000, description: 'How long a SQLite write waits for the lock.' },
        acquireTimeoutMs: { type: 'integer', minimum: 100, maximum: 600000, description: 'How long a request waits for a database connection before it is answered 503.' },
        maxWaitingForms: { type: 'integer', minimum: 0, maximum: 100000, description: 'Public form submissions (web-to-lead) may start while at most this many queries wait for a connection; beyond it they are answered 503 at once.' },
      },
    },
    session: {
      type: 'object',
      additionalProperties: false,
      required: ['ttlHours'],
      properties: { ttlHours: { type: 'integer', minimum: 1, maximum: 720, description: 'How long a sign-in lasts.' } },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['maxConcurrentHashes', 'maxQueuedHashes'],
      properties: {
        maxConcurrentHashes: { type: 'integer', minimum: 1, maximum: 64, description: 'Password hashes computed at once.' },
        maxQueuedHashes: { type: 'integer', minimum: 0, maximum: 10000, description: 'Sign-ins waiting for a hash slot before answering 503.' },
      },
    },
    jobs: {
      type: 'object',
      additionalProperties: false,
      required: ['enabled'],
      properties: { enabled: { type: 'boolean', description: 'Run scheduled jobs in this process.' } },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      required: ['sealIntervalMs', 'retentionDays', 'deleteArchivesAfterDays'],
      properties: {
        sealIntervalMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'How often new audit entries are sealed into the hash chain.' },
        retentionDays: { type: 'integer', minimum: 1, maximum: 36500, description: 'Days sealed audit entries stay in the database before the nightly rotation moves them to archive files.' },
        deleteArchivesAfterDays: { type: 'integer', minimum: 0, maximum: 36500, description: 'Days after which archive files are deleted; 0 = never. Counted from the newest entry in a file.' },
      },
    },
    trash: {
      type: 'object',
      additionalProperties: false,
      required: ['retentionDays'],
      properties: { retentionDays: { type: 'integer', minimum: 1, maximum: 3650, description: 'Days deleted customers stay restorable before the nightly purge.' } },
    },
    attachments: {
      type: 'object',
      additionalProperties: false,
      required: ['maxBytes'],
      properties: { maxBytes: { type: 'integer', minimum: 1024, maximum: 1073741824, description: 'Largest attachment accepted.' } },
    },
    backup: {
      type: 'object',
      additionalProperties: false,
      required: ['schedule', 'dir', 'keepCount', 'keepDays'],
      properties: {
        schedule: { type: 'string', description: 'When scheduled backups run (cron, in the company time zone); empty = no scheduled backups.' },
        dir: { type: 'string', description: 'Where backup archives go (e.g. a NAS mount); empty = <dataDir>/backups.' },
        keepCount: { type: 'integer', minimum: 0, maximum: 100000, description: 'Archives kept in backup.dir (the newest); 0 = no limit by count.' },
        keepDays: { type: 'integer', minimum: 0, maximum: 36500, description: 'Days an archive is kept; 0 = no limit by age. The newest archive is always kept.' },
      },
    },
  },
} as const;

export interface Config {
  host: string;
  port: number;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  trustProxy: boolean | string;
  bodyLimitBytes: number;
  tls: { certFile: string; keyFile: string };
  database: { poolMax: number; busyTimeoutMs: number; acquireTimeoutMs?: number; maxWaitingForms?: number };
  session: { ttlHours: number };
  auth: { maxConcurrentHashes: number; maxQueuedHashes: number };
  jobs: { enabled: boolean };
  audit: { sealIntervalMs: number; retentionDays: number; deleteArchivesAfterDays: number };
  trash: { retentionDays: number };
  attachments: { maxBytes: number };
  backup: { schedule: string; dir: string; keepCount: number; keepDays: number };
}
